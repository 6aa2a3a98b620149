/** How long an attempt counts against `DELIVERY_CONCURRENCY_FIRST_SECOND`. */
export const firstSecondMs = 1_000;

/**
 * Counts the attempts in flight that have gone a second without an answer.
 *
 * The worker starts an attempt only while fewer than `DELIVERY_CONCURRENCY_FIRST_SECOND` of
 * those in flight are younger than that. An endpoint answers within a second, or it is slow or
 * hung: then its attempt stops counting, so hung endpoints never hold this budget (each still
 * holds its slot of `DELIVERY_CONCURRENCY` and of its webhook's limit until it times out). Why a
 * budget: in a burst, slow start lets every webhook reach its limit, and with hundreds of
 * endpoints most attempts would wait in the sending thread, each with its own TLS connection:
 * more memory and CPU, and no more throughput.
 */
export class UnansweredAttempts {
  /** Attempts in flight that started more than a second ago. */
  count = 0;

  /** `onChange` hears every change of `count`, and whether it grew. */
  constructor(private readonly onChange: (count: number, grew: boolean) => void) {}

  /** Call as an attempt starts; call what it returns when the attempt ends. */
  track(): () => void {
    let counted = false;
    const timer = setTimeout(() => {
      counted = true;
      this.count++;
      this.onChange(this.count, true);
    }, firstSecondMs);
    timer.unref();
    return () => {
      clearTimeout(timer);
      if (!counted) return;
      this.count--;
      this.onChange(this.count, false);
    };
  }
}
