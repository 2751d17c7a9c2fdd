// CountUp shows a number that moves to its new value over ~600 ms when it
// changes, so a live counter's change catches the eye. data-value holds the
// exact target at once, for tests and screen readers.
import { useEffect, useRef, useState } from 'react';
import { formatInt } from '../lib/format';
import { countUpValue } from '../lib/countup';

export function CountUp({ value, duration = 600 }: { value: number; duration?: number }) {
  const [shown, setShown] = useState(value);
  const from = useRef(value);
  const shownRef = useRef(value);

  useEffect(() => {
    from.current = shownRef.current;
    const start = performance.now();
    let raf = 0;
    const tick = (now: number) => {
      const v = countUpValue(from.current, value, (now - start) / duration);
      shownRef.current = v;
      setShown(v);
      if (v !== value) raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [value, duration]);

  return (
    <span className="countup" data-value={value} aria-label={formatInt(value)}>
      {formatInt(shown)}
    </span>
  );
}
