// Durations as an operator types them: 90s, 30m, 2h, 1h30m, 2d. A number and a unit, or several,
// largest unit first, each unit at most once. A bare number is refused: "30" could be seconds or
// minutes, and at 3 a.m. nobody should have to guess which one novaops took.

const FORM = /^(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$/;

export const DURATION_FORMS = 'a number and a unit, e.g. 90s, 30m, 2h, 1h30m or 2d (units d, h, m, s, largest first)';

/** Seconds, or what is wrong with the text. */
export function parseDuration(text: string): { ok: true; seconds: number } | { ok: false; reason: string } {
  if (/^\d+$/.test(text)) return { ok: false, reason: 'has no unit' };
  const m = text === '' ? null : FORM.exec(text);
  if (!m) return { ok: false, reason: 'is not a duration' };
  const [d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0));
  const seconds = ((d * 24 + h) * 60 + min) * 60 + s;
  if (seconds <= 0) return { ok: false, reason: 'is zero' };
  return { ok: true, seconds };
}

/** 5400 -> "1h30m"; 7201 -> "2h"; 90 -> "1m30s": the largest unit and the next one, if not zero. */
export function formatDuration(totalSeconds: number): string {
  const units = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const;
  let rest = Math.max(0, Math.floor(totalSeconds));
  const counts = units.map(([, size]) => {
    const n = Math.floor(rest / size);
    rest -= n * size;
    return n;
  });
  const first = counts.findIndex((n) => n > 0);
  if (first < 0) return '0s';
  const next = counts[first + 1];
  return `${counts[first]}${units[first][0]}${next ? `${next}${units[first + 1][0]}` : ''}`;
}
