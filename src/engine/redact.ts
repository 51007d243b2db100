// Secrets never reach a transcript, the terminal or a process list. Every serialized event and
// every printed line passes through one Redactor that knows the run's secrets.

const MASK = '***';
const KEYS = 'auth_password|password|secret|admin_password|os_password|token';
// "key": "value" in JSON, and \"key\": \"value\" in JSON nested in a JSON string (an output chunk),
// where an inner escape \" arrives as \\\" and an inner \\ as \\\\.
const PLAIN_VALUE = String.raw`(?:[^"\\]|\\.)*`;
const NESTED_VALUE = String.raw`(?:[^"\\]|\\\\\\"|\\\\\\\\|\\\\[^"\\])*`;
const SECRET_FIELDS = [
  new RegExp(String.raw`(\\"(?:${KEYS})\\"\s*:\s*\\")(${NESTED_VALUE})(\\")`, 'gi'),
  new RegExp(String.raw`("(?:${KEYS})"\s*:\s*")(${PLAIN_VALUE})(")`, 'gi'),
];

export class Redactor {
  private readonly needles: string[];

  constructor(secrets: readonly string[]) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < 3) continue; // masking "a" everywhere would destroy the text
      forms.add(secret);
      forms.add(encodeURIComponent(secret));
      forms.add(JSON.stringify(secret).slice(1, -1));
    }
    // Longest first, so an encoded form containing the plain one is masked whole.
    this.needles = [...forms].sort((a, b) => b.length - a.length);
  }

  /** Redacted JSON lines of events, so the transcript and the --json presenter stringify and redact each event once. */
  private readonly lines = new WeakMap<object, string>();

  /** One event as its redacted JSON line (no newline); the same object gives the same line. */
  eventLine(event: object): string {
    let line = this.lines.get(event);
    if (line === undefined) {
      line = this.redact(JSON.stringify(event));
      this.lines.set(event, line);
    }
    return line;
  }

  redact(text: string): string {
    // Secrets that are not the run's own: CHAP credentials in a volume's connection_info, a
    // password field in any JSON body, whatever read or answer carried them into the text.
    let out = text;
    for (const field of SECRET_FIELDS) out = out.replace(field, (_m, before: string, _value: string, after: string) => `${before}${MASK}${after}`);
    for (const needle of this.needles) {
      if (out.includes(needle)) out = out.split(needle).join(MASK);
    }
    return out;
  }
}
