// `novaops completion bash`: one function that walks the words typed so far through the tables
// (which command, which option waits for its value) and offers what fits at the cursor.
import type { CompletionTables } from './completion-tables.js';

function assoc(name: string, table: Map<string, string[]>): string {
  const entries = [...table].filter(([, list]) => name === '__novaops_vals' || list.length > 0);
  return `declare -gA ${name}=(\n${entries.map(([key, list]) => `  ["${key}"]="${list.join(' ')}"`).join('\n')}\n)`;
}

export function bashScript(tables: CompletionTables, version: string): string {
  return `# bash completion for novaops ${version}, written by \`novaops completion bash\` from its commands and runbooks.
# Install: novaops completion bash > ~/.local/share/bash-completion/completions/novaops
# (or for this shell only: source <(novaops completion bash)). Run ids come from \`novaops __complete-runs\`,
# which reads the state directory only.
${assoc('__novaops_subs', tables.subcommands)}
${assoc('__novaops_opts', tables.options)}
${assoc('__novaops_vals', tables.optionValues)}
${assoc('__novaops_args', tables.argumentValues)}

_novaops() {
  local cur=\${COMP_WORDS[COMP_CWORD]} at=novaops word i waiting= values
  local -a config=()
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ -n $waiting ]]; then
      [[ $waiting == --config ]] && config=(--config "$word")
      waiting=
      continue
    fi
    case $word in
      -*=*) ;;
      -*) [[ -n \${__novaops_vals["$at|$word"]+set} ]] && waiting=$word ;;
      *) [[ " \${__novaops_subs[$at]} " == *" $word "* ]] && at="$at $word" ;;
    esac
  done
  if [[ -n $waiting ]]; then
    values=\${__novaops_vals["$at|$waiting"]}
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "\${__novaops_opts[$at]}" -- "$cur"))
    return
  elif [[ -n \${__novaops_subs[$at]} ]]; then
    values=\${__novaops_subs[$at]}
  else
    values=\${__novaops_args[$at]}
  fi
  case $values in
    @runs) COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" "\${config[@]}" __complete-runs 2>/dev/null)" -- "$cur")) ;;
    @files)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur"))
      ;;
    *) COMPREPLY=($(compgen -W "$values" -- "$cur")) ;;
  esac
}
complete -F _novaops novaops
`;
}
