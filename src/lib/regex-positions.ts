import { type CharSet, coversAll, emptySet, union } from "./regex-charset";
import { type RegexNode, RegexRefusal } from "./regex-parse";

/*
 * The positions automaton (Glushkov's construction) of a parsed regex, with
 * each transition weighted by the number of ways a backtracking engine can
 * take it: every way to pass empty groups, optional parts and alternatives in
 * between is a separate branch JavaScript tries. A position is one character
 * atom of the pattern; bounded repeats are written out, one copy per
 * iteration. JavaScript refuses an iteration of `*`, `+`, `?` or `{n,m}` past
 * the minimum that matched nothing, so such iterations count as consuming.
 */

export type Weights = Map<number, number>;

export interface Positions {
  sets: CharSet[];
  /** Ways to begin at each position. */
  first: Weights;
  /** follow[p]: position → ways to go on from p to it. */
  follow: Weights[];
  /** Ways to finish the match right after each position (0 when it cannot). */
  last: number[];
  /**
   * Reaching the position settles the match: what follows cannot fail (a
   * greedy or lazy `x*` of its own and optional single characters, up to the
   * end of the pattern). The engine stops there, so it never backtracks past.
   */
  settled: boolean[];
  /** The text to name when paths pile up at the position: its outermost repeat, or itself. */
  blame: { start: number; end: number }[];
}

export interface PositionLimits {
  /** More positions than this (after writing out bounded repeats) is refused as too complex to check. */
  maxPositions: number;
  /** Weights the construction may write before it is refused as too complex to check. */
  maxSteps: number;
  /** A transition with more ways than this is refused. */
  maxWays: number;
}

interface Fragment {
  empty: number;
  first: Weights;
  last: Weights;
}

interface Tail {
  /** Everything after this node, to the end of the pattern, cannot fail once reached. */
  ok: boolean;
  /** …provided the input has ended (a `$` follows)… */
  needsEnd: boolean;
  /** …or the next character is one of these (what follows is `(?:/|$)`). */
  stops: CharSet;
}

const failable: Tail = { ok: false, needsEnd: false, stops: emptySet };
const certain: Tail = { ok: true, needsEnd: false, stops: emptySet };

type Span = { start: number; end: number };

const nothing: Fragment = { empty: 1, first: new Map(), last: new Map() };

function endSafe(node: RegexNode): boolean {
  if (node.kind === "assertion") return node.name === "$";
  if (node.kind === "sequence") return node.items.every(endSafe);
  return node.kind === "repeat" && node.min === 0 && node.body.kind === "chars";
}

/** `(?:/|$)`: alternatives of single characters and `$`, which accept the end and these characters. */
function stopChoice(node: RegexNode | undefined): CharSet | null {
  if (node?.kind !== "choice" || !node.options.some((option) => option.kind === "assertion" && option.name === "$")) return null;
  const sets: CharSet[] = [];
  for (const option of node.options) {
    if (option.kind === "chars") sets.push(option.set);
    else if (option.kind !== "assertion" || option.name !== "$") return null;
  }
  return union(...sets);
}

/** What follows each item of a sequence: the items after it, then what follows the sequence. */
function tailsOf(items: RegexNode[], outer: Tail): Tail[] {
  const tails: Tail[] = new Array(items.length);
  let after = outer;
  for (let index = items.length - 1; index >= 0; index--) {
    tails[index] = after;
    const item = items[index]!;
    const stops = index === items.length - 1 && outer.ok && !outer.needsEnd ? stopChoice(item) : null;
    after = stops ? { ok: true, needsEnd: true, stops } : { ok: after.ok && endSafe(item), needsEnd: after.needsEnd || hasDollar(item), stops: emptySet };
  }
  return tails;
}

function hasDollar(node: RegexNode): boolean {
  if (node.kind === "assertion") return node.name === "$";
  if (node.kind === "sequence") return node.items.some(hasDollar);
  if (node.kind === "choice") return node.options.some(hasDollar);
  return node.kind === "repeat" && hasDollar(node.body);
}

class Builder {
  readonly sets: CharSet[] = [];
  readonly follow: Weights[] = [];
  readonly settled: boolean[] = [];
  readonly blame: Span[] = [];
  /** Some weight reached the cap; reported by the innermost repeat around it, else for the whole pattern. */
  overflowed = false;

  constructor(
    private readonly limits: PositionLimits,
    private readonly max: number,
    private readonly source: string,
  ) {}

  private capped(ways: number): number {
    if (ways <= this.limits.maxWays) return ways;
    this.overflowed = true;
    return this.limits.maxWays + 1;
  }

  private add(a: number, b: number): number {
    return this.capped(a + b);
  }

  private times(a: number, b: number): number {
    return this.capped(a * b);
  }

  private steps = 0;

  private merge(into: Weights, from: Weights, factor = 1): Weights {
    this.steps += from.size;
    if (this.steps > this.limits.maxSteps) throw new RegexRefusal("the pattern is too complex to check");
    for (const [position, ways] of from) if (ways > 0 && factor > 0) into.set(position, this.add(into.get(position) ?? 0, this.times(ways, factor)));
    return into;
  }

  private link(from: Weights, to: Weights): void {
    for (const [p, out] of from) this.merge(this.follow[p]!, new Map([...to].map(([q, ways]) => [q, this.times(ways, out)])));
  }

  private sequence(a: Fragment, b: Fragment): Fragment {
    this.link(a.last, b.first);
    return {
      empty: this.times(a.empty, b.empty),
      first: this.merge(new Map(a.first), b.first, a.empty),
      last: this.merge(new Map(b.last), a.last, b.empty),
    };
  }

  build(node: RegexNode, tail: Tail, outer: Span | null): Fragment {
    switch (node.kind) {
      case "assertion":
        return nothing;
      case "chars":
        return this.position(node, tail.ok && !tail.needsEnd, outer);
      case "choice": {
        const options = node.options.map((option) => this.build(option, tail, outer));
        return {
          empty: options.reduce((sum, option) => this.add(sum, option.empty), 0),
          first: options.reduce((sum, option) => this.merge(sum, option.first), new Map()),
          last: options.reduce((sum, option) => this.merge(sum, option.last), new Map()),
        };
      }
      case "sequence": {
        const tails = tailsOf(node.items, tail);
        return node.items.reduce<Fragment>((built, item, index) => this.sequence(built, this.build(item, tails[index]!, outer)), nothing);
      }
      case "repeat": {
        const before = this.overflowed;
        return this.checked(this.repeat(node, tail, outer ?? (node.max > 1 ? node : null)), node, before);
      }
    }
  }

  private position(node: RegexNode & { kind: "chars" }, settled: boolean, outer: Span | null): Fragment {
    const position = this.sets.length;
    if (position >= this.limits.maxPositions) {
      throw new RegexRefusal(`the pattern is too complex to check: more than ${this.limits.maxPositions} characters once bounded repeats are written out`);
    }
    this.sets.push(node.set);
    this.follow.push(new Map());
    this.settled.push(settled);
    this.blame.push(outer ?? node);
    const only: Weights = new Map([[position, 1]]);
    return { empty: 0, first: only, last: new Map(only) };
  }

  private repeat(node: RegexNode & { kind: "repeat" }, tail: Tail, outer: Span | null): Fragment {
    if (node.max === 0) return nothing;
    const unbounded = node.max === Number.POSITIVE_INFINITY;
    // One atom repeated, with nothing failable after it: the iteration that completes the minimum settles the match,
    // since more iterations are only tried greedily and stop where the atom does not match (at the end, for a `$`).
    const body = node.body;
    const settles = body.kind === "chars" && tail.ok && (!tail.needsEnd || (unbounded && coversAll(union(body.set, tail.stops), this.max)));
    const copy = (settling: boolean) => this.build(body, settling ? certain : failable, outer);
    if (unbounded && node.min <= 1) return this.loop(copy(settles), node.min === 1);
    let built = nothing;
    const mandatory = unbounded ? node.min - 1 : node.min;
    for (let count = 0; count < mandatory; count++) built = this.sequence(built, copy(settles && !unbounded && count === mandatory - 1));
    if (unbounded) return this.sequence(built, this.loop(copy(settles), true));
    return this.sequence(
      built,
      this.optionalIterations(node.max - node.min, (index) => copy(settles && node.min === 0 && index === 0)),
    );
  }

  /** `(x(x(x)?)?)?`, one copy per iteration: each may follow the one before, and the match may stop after any. */
  private optionalIterations(iterations: number, copy: (index: number) => Fragment): Fragment {
    let first: Weights = new Map();
    const last: Weights = new Map();
    let previous: Fragment | null = null;
    for (let index = 0; index < iterations; index++) {
      const iteration = copy(index);
      if (previous) this.link(previous.last, iteration.first);
      else first = iteration.first;
      this.merge(last, iteration.last);
      previous = iteration;
    }
    return { empty: 1, first, last };
  }

  /** `body*`, or `body+` when the first iteration is mandatory (and so may match nothing). */
  private loop(body: Fragment, firstMandatory: boolean): Fragment {
    this.link(body.last, body.first);
    return { empty: firstMandatory ? body.empty : 1, first: body.first, last: body.last };
  }

  checked<T>(built: T, node: Span, before = false): T {
    if (before || !this.overflowed) return built;
    const text = this.source.slice(node.start, node.end);
    throw new RegexRefusal(
      `"${text}" can match the same text in more than ${this.limits.maxWays} ways, each of which JavaScript's backtracking engine would try`,
    );
  }
}

export function buildPositions(root: RegexNode, source: string, limits: PositionLimits, max: number): Positions {
  const builder = new Builder(limits, max, source);
  const fragment = builder.checked(builder.build(root, certain, null), { start: 0, end: source.length });
  const last = builder.sets.map((_, position) => fragment.last.get(position) ?? 0);
  return { sets: builder.sets, first: fragment.first, follow: builder.follow, last, settled: builder.settled, blame: builder.blame };
}
