// The report's only style sheet, inlined: a report opened on an air-gapped jump host fetches nothing.
export const REPORT_CSS = `
:root { --fg: #1d232b; --muted: #5d6773; --line: #d5dbe2; --band: #f4f6f9; --band2: #e9edf2;
  --done: #2f7d4f; --failed: #c8352b; --held: #8a939e; --skipped: #a9cbb5; --unfinished: #d99a1e; --planned: #5a7fb8;
  --retry: #e07b00; --confirm: #6a3fb5; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 20px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: #fff; }
header.page h1 { font-size: 20px; margin: 0; }
header.page p { margin: 2px 0 12px; color: var(--muted); }
main.runs { display: grid; grid-template-columns: repeat(var(--runs, 1), minmax(0, 1fr)); gap: 24px; align-items: start; }
section.run { border-top: 3px solid var(--fg); padding-top: 6px; min-width: 0; }
h2 { font-size: 18px; margin: 4px 0 8px; }
h3 { font-size: 15px; margin: 18px 0 6px; border-bottom: 1px solid var(--line); padding-bottom: 2px; }
h4 { font-size: 14px; margin: 12px 0 4px; }
.run-id { font: 13px ui-monospace, "DejaVu Sans Mono", monospace; color: var(--muted); }
.outcome { font-size: 12px; padding: 1px 7px; border-radius: 9px; background: var(--band2); text-transform: uppercase; letter-spacing: .03em; }
.outcome-completed, .outcome-done { background: #d7efe0; color: #17532f; }
.outcome-failed, .outcome-refused, .outcome-aborted { background: #f8d9d6; color: #8a1c14; }
.outcome-blocked, .outcome-interrupted, .outcome-abandoned, .outcome-completed-held-back { background: #fbe8c4; color: #744c00; }
.outcome-planned { background: #dde6f5; color: #24477e; }
dl.header { display: grid; grid-template-columns: max-content minmax(0, 1fr) max-content minmax(0, 1fr); gap: 2px 14px; margin: 0; }
dl.header .wide { grid-column: 2 / 5; }
dl.header dt { color: var(--muted); }
dl.header dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { margin: 2px 0 6px; padding: 4px 8px; background: var(--band); border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; }
.command-line { margin: 4px 0; }
.command-line code { background: var(--band); padding: 2px 6px; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
th { font-weight: 600; color: var(--muted); font-size: 12.5px; white-space: nowrap; }
table.options { width: auto; min-width: 40%; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.default td { color: var(--muted); }
.quiet { color: var(--muted); font-size: 12.5px; margin: 4px 0; }
.warn { color: #8a1c14; }
figure.attempt { margin: 8px 0 14px; }
figcaption { font-size: 13px; margin-bottom: 4px; overflow-wrap: anywhere; }
svg.timeline { display: block; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
svg.timeline text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: var(--fg); }
svg.timeline .tick { stroke: var(--line); stroke-dasharray: 2 3; }
svg.timeline text.tick-label { fill: var(--muted); font-size: 10px; }
svg.timeline .band.even { fill: var(--band); }
svg.timeline .band.odd { fill: var(--band2); }
svg.timeline .step-span { fill: #fff; fill-opacity: .55; stroke: #b9c2cc; }
svg.timeline text.step-label { font-weight: 600; }
svg.timeline text.step-outcome { fill: var(--muted); font-size: 10px; }
svg.timeline .bar { stroke: none; }
svg.timeline .bar.done { fill: var(--done); }
svg.timeline .bar.failed { fill: var(--failed); }
svg.timeline .bar.held { fill: var(--held); }
svg.timeline .bar.skipped { fill: var(--skipped); }
svg.timeline .bar.unfinished { fill: var(--unfinished); }
svg.timeline .bar.planned { fill: #fff; stroke: var(--planned); stroke-width: 1; }
svg.timeline .bar.retried { stroke: var(--retry); stroke-width: 1.5; stroke-dasharray: 3 2; }
svg.timeline .op-fail { stroke: var(--failed); stroke-width: 2; }
svg.timeline .confirm path { fill: var(--confirm); }
svg.timeline .confirm.no path { fill: var(--failed); }
svg.timeline text.confirm-label { fill: var(--confirm); font-size: 10px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); margin: 0 0 6px; }
.swatch { display: inline-block; width: 18px; height: 9px; margin-right: 5px; vertical-align: middle; border-radius: 1px; }
.swatch.done { background: var(--done); } .swatch.failed { background: var(--failed); } .swatch.held { background: var(--held); }
.swatch.skipped { background: var(--skipped); } .swatch.unfinished { background: var(--unfinished); }
.swatch.planned { background: #fff; border: 1px solid var(--planned); }
.swatch.retried { outline: 2px dashed var(--retry); outline-offset: -1px; }
.swatch.op-fail { width: 3px; background: var(--failed); }
.swatch.confirm { width: 9px; transform: rotate(45deg); background: var(--confirm); }
ul.guards, ul.notes, ul.confirms, ul.commands { margin: 4px 0; padding-left: 20px; }
ul.guards li.failed, ul.notes li.warn { color: #8a1c14; }
ul.held { padding-left: 18px; color: var(--fg); }
ul.commands { list-style: none; padding-left: 0; }
ul.commands .summary { font-size: 12.5px; color: var(--muted); }
ul.commands li.mutating .summary { color: #8a1c14; }
details summary { cursor: pointer; font-size: 13px; }
section.step-detail { border-left: 3px solid var(--line); padding-left: 10px; margin: 8px 0; }
@media print { details { display: block; } body { padding: 0; } }
`;
