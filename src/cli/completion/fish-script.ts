// `novaops completion fish`: fish's own `complete` rules, one per subcommand, option and argument,
// each under the condition "the words so far lead to this command" (__novaops_at), with the
// descriptions help shows.
import { allCommands, type CommandNode } from './command-tree.js';
import { FILES, pathKey, RUNS, type CompletionTables } from './completion-tables.js';

function quote(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}

function switchOn(name: string, table: Map<string, string[]>): string {
  const arms = [...table].filter(([, list]) => list.length > 0).map(([key, list]) => `    case ${quote(key)}\n      echo ${list.join(' ')}`);
  return `function ${name}\n  switch $argv[1]\n${arms.join('\n')}\n  end\nend`;
}

function valueArgs(values: string[]): string {
  if (values[0] === RUNS) return `-x -a '(__novaops_runs)'`;
  if (values[0] === FILES) return '-r -F';
  return values.length ? `-x -a ${quote(values.join(' '))}` : '-x';
}

function rules(command: CommandNode, tables: CompletionTables): string[] {
  const at = `-n ${quote(`__novaops_at ${quote(pathKey(command))}`)}`;
  const out: string[] = [];
  for (const sub of command.subcommands) out.push(`complete -c novaops ${at} -a ${sub.name} -d ${quote(oneLine(sub.description))}`);
  for (const option of command.options) {
    const names = option.names.map((n) => (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(' ');
    const values = option.value ? ` ${valueArgs(tables.optionValues.get(`${pathKey(command)}|${option.names[0]}`) ?? [])}` : '';
    out.push(`complete -c novaops ${at} ${names}${values} -d ${quote(oneLine(option.description))}`);
  }
  const args = tables.argumentValues.get(pathKey(command)) ?? [];
  if (command.subcommands.length === 0 && args.length) {
    out.push(args[0] === RUNS ? `complete -c novaops ${at} -a '(__novaops_runs)'` : `complete -c novaops ${at} -a ${quote(args.join(' '))}`);
  }
  return out;
}

export function fishScript(root: CommandNode, tables: CompletionTables, version: string): string {
  return `# fish completion for novaops ${version}, written by \`novaops completion fish\` from its commands and runbooks.
# Install: novaops completion fish > ~/.config/fish/completions/novaops.fish
${switchOn('__novaops_subs', tables.subcommands)}

function __novaops_valued
  switch $argv[1]
${[...new Set([...tables.optionValues.keys()].map((k) => k.split('|')[0]))]
  .map((at) => `    case ${quote(at)}\n      echo ${[...tables.optionValues.keys()].filter((k) => k.split('|')[0] === at).map((k) => k.split('|')[1]).join(' ')}`)
  .join('\n')}
  end
end

# The command the words before the cursor lead to: 'novaops run failed-node'.
function __novaops_path
  set -l words (commandline -opc)
  set -l at novaops
  set -l waiting 0
  for word in $words[2..-1]
    if test $waiting = 1
      set waiting 0
    else if string match -q -- '-*=*' $word
    else if string match -q -- '-*' $word
      contains -- $word (string split ' ' -- (__novaops_valued $at)); and set waiting 1
    else if contains -- $word (string split ' ' -- (__novaops_subs $at))
      set at "$at $word"
    end
  end
  echo $at
end

function __novaops_at
  set -l at (__novaops_path)
  test "$at" = "$argv[1]"
end

# Run ids from the state directory (never the cloud).
function __novaops_runs
  set -l words (commandline -opc)
  set -l config
  set -l i (contains -i -- --config $words)
  and set config --config $words[(math $i + 1)]
  $words[1] $config __complete-runs 2>/dev/null
end

complete -c novaops -f
${allCommands(root).flatMap((c) => rules(c, tables)).join('\n')}
`;
}
