/** countUpValue is the integer shown at progress t (0–1) of a count from a to b, eased out. */
export function countUpValue(a: number, b: number, t: number): number {
  if (t >= 1) return b;
  if (t <= 0) return a;
  const eased = 1 - Math.pow(1 - t, 3);
  return Math.round(a + (b - a) * eased);
}
