// `novaops completion zsh`: the same walk as bash's, in zsh. Works installed in $fpath (as
// _novaops) or sourced after compinit.
import type { CompletionTables } from './completion-tables.js';

function assoc(name: string, table: Map<string, string[]>): string {
  const entries = [...table].filter(([, list]) => name === '__novaops_vals' || list.length > 0);
  return `${name}=(\n${entries.map(([key, list]) => `  '${key}' '${list.join(' ')}'`).join('\n')}\n)`;
}

export function zshScript(tables: CompletionTables, version: string): string {
  return `#compdef novaops
# zsh completion for novaops ${version}, written by \`novaops completion zsh\` from its commands and runbooks.
# Install: novaops completion zsh > "\${fpath[1]}/_novaops" (a directory in $fpath), then compinit;
# or, after compinit in ~/.zshrc: source <(novaops completion zsh).
typeset -gA __novaops_subs __novaops_opts __novaops_vals __novaops_args
${assoc('__novaops_subs', tables.subcommands)}
${assoc('__novaops_opts', tables.options)}
${assoc('__novaops_vals', tables.optionValues)}
${assoc('__novaops_args', tables.argumentValues)}

_novaops() {
  local cur=\${words[CURRENT]} at=novaops word waiting='' values
  local -a config
  local -i i
  for (( i = 2; i < CURRENT; i++ )); do
    word=\${words[i]}
    if [[ -n $waiting ]]; then
      [[ $waiting == --config ]] && config=(--config "$word")
      waiting=''
      continue
    fi
    case $word in
      -*=*) ;;
      -*) (( \${+__novaops_vals[$at|$word]} )) && waiting=$word ;;
      *) [[ " \${__novaops_subs[$at]} " == *" $word "* ]] && at="$at $word" ;;
    esac
  done
  if [[ -n $waiting ]]; then
    values=\${__novaops_vals[$at|$waiting]}
  elif [[ $cur == -* ]]; then
    compadd -- \${=__novaops_opts[$at]}
    return
  elif [[ -n \${__novaops_subs[$at]} ]]; then
    values=\${__novaops_subs[$at]}
  else
    values=\${__novaops_args[$at]}
  fi
  case $values in
    @runs) compadd -- \${(f)"$(\${words[1]} $config __complete-runs 2>/dev/null)"} ;;
    @files) _files ;;
    ?*) compadd -- \${=values} ;;
  esac
}

if [[ \${funcstack[1]} == _novaops ]]; then
  _novaops "$@"
else
  compdef _novaops novaops
fi
`;
}
