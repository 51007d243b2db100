// Secrets never reach a transcript, the terminal or a process list. Every serialized event and
// every printed line passes through one Redactor that knows the run's secrets.

const MASK = '***';

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

  redact(text: string): string {
    let out = text;
    for (const needle of this.needles) {
      if (out.includes(needle)) out = out.split(needle).join(MASK);
    }
    return out;
  }
}
