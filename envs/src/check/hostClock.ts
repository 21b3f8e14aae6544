/**
 * Preloaded (`node --import`) into the process `palestra check` replays episodes in: the host's
 * clock there runs `PALESTRA_CHECK_CLOCK_SHIFT_MS` ahead. `Date.now()`, `new Date()`, `Date()` and
 * `performance.now()`/`timeOrigin` all move, so anything an environment computes from host time
 * (QuickJS reads it through Emscripten, which calls the host's `Date.now`) differs from the parent.
 * Never loaded by anything else.
 */
const shift = Number(process.env.PALESTRA_CHECK_CLOCK_SHIFT_MS ?? 0);

if (Number.isFinite(shift) && shift !== 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const now = () => realNow() + shift;
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) =>
      Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
    apply: () => new RealDate(now()).toString(),
    get: (target, key, receiver) => (key === 'now' ? now : Reflect.get(target, key, receiver)),
  });
  const perf = globalThis.performance;
  const realPerfNow = perf.now.bind(perf);
  const origin = perf.timeOrigin + shift;
  Object.defineProperty(perf, 'now', { value: () => realPerfNow() + shift, configurable: true });
  Object.defineProperty(perf, 'timeOrigin', { value: origin, configurable: true });
}
