import { alphabetPieces } from "./regex-charset";
import { RegexRefusal } from "./regex-parse";
import type { Positions } from "./regex-positions";

/*
 * How many paths a backtracking engine keeps alive per character read, over
 * every input: the walk behind the regex safety check (regex-safety.ts). A
 * state is how many paths stand at each position of the pattern's positions
 * automaton (regex-positions.ts); reading a character moves them along the
 * weighted transitions, and an unanchored pattern starts a new path at every
 * offset, as the engine retries there. Each state is visited once per piece
 * of the alphabet the pattern tells apart. When the exact states grow too
 * many, one state that is at least every reachable one (their maximum,
 * position by position) is walked instead: the work it finds bounds theirs.
 */

export interface WalkLimits {
  /** Work (paths, each weighted by its choices) allowed per character read. */
  maxWorkPerChar: number;
  /** Transitions followed before the walk gives up. */
  maxSteps: number;
  /** Exact states kept before switching to their maximum. */
  maxStates: number;
}

/** Paths per position, as flat pairs [position, ways, position, ways, …] in position order. */
type Vector = number[];

interface Walk {
  /** Per position: [target, ways, …] of its transitions, and the weight of a path there (1 + its choices). */
  out: number[][];
  cost: number[];
  starts: number[];
  settled: boolean[];
  /** Scratch space: paths arriving at each position on the character being read. */
  arrived: Float64Array;
  steps: number;
  limits: WalkLimits;
}

/** Reads one more character (from `member`'s piece of the alphabet): the paths that go on, the work it took, and where most paths are. */
function readOne(walk: Walk, vector: Vector, member: Uint8Array, inject: boolean): { live: Vector; work: number; busiest: number } {
  const touched: number[] = [];
  const arrive = (position: number, ways: number) => {
    if (member[position] === 0) return;
    if (walk.arrived[position] === 0) touched.push(position);
    walk.arrived[position]! += ways;
  };
  if (inject) for (let index = 0; index < walk.starts.length; index += 2) arrive(walk.starts[index]!, walk.starts[index + 1]!);
  for (let index = 0; index < vector.length; index += 2) {
    const targets = walk.out[vector[index]!]!;
    walk.steps += 1 + targets.length / 2;
    for (let target = 0; target < targets.length; target += 2) arrive(targets[target]!, vector[index + 1]! * targets[target + 1]!);
  }
  if (walk.steps > walk.limits.maxSteps) throw new RegexRefusal("the pattern is too complex to check");
  touched.sort((a, b) => a - b);
  const live: Vector = [];
  let work = 0;
  let busiest = -1;
  for (const position of touched) {
    const ways = walk.arrived[position]!;
    work += ways * walk.cost[position]!;
    if (busiest === -1 || ways > walk.arrived[busiest]!) busiest = position;
    // The engine stops at a settled position: its paths go no further.
    if (!walk.settled[position]) live.push(position, ways);
  }
  for (const position of touched) walk.arrived[position] = 0;
  return { live, work, busiest };
}

const tooManyStates = Symbol("too many states");

/** Every reachable state, breadth first; the crowded position, null, or `tooManyStates`. */
function walkExactly(walk: Walk, pieces: Uint8Array[], nextPieces: number[][], anchored: boolean): number | null | typeof tooManyStates {
  const allPieces = pieces.map((_, index) => index);
  // An unanchored pattern starts again at every offset, so "no paths" is where it began.
  const seen = new Set<string>(anchored ? [] : [""]);
  let level: Vector[] = [[]];
  for (let first = true; level.length > 0; first = false) {
    const next: Vector[] = [];
    for (const vector of level) {
      // Only a piece holding somewhere a path can go next changes the paths; on any other, all paths die, leaving at most
      // those an unanchored pattern starts there, which the first character already read.
      const candidates = first ? allPieces : new Set(vector.filter((_, index) => index % 2 === 0).flatMap((position) => nextPieces[position]!));
      for (const piece of candidates) {
        const { live, work, busiest } = readOne(walk, vector, pieces[piece]!, first || !anchored);
        if (work > walk.limits.maxWorkPerChar) return busiest;
        const key = live.join(",");
        if (seen.has(key) || (anchored && live.length === 0)) continue;
        if (seen.size >= walk.limits.maxStates) return tooManyStates;
        seen.add(key);
        next.push(live);
      }
    }
    level = next;
  }
  return null;
}

/**
 * The maximum of every reachable state, grown until it stops changing:
 * reading on from it bounds the work from any of them. The bound is coarse (it
 * puts one path in several places at once), so exceeding it proves nothing:
 * the pattern is refused as too complex rather than blamed on one part.
 */
function walkUpperBound(walk: Walk, pieces: Uint8Array[], anchored: boolean): null {
  const bound = new Map<number, number>();
  for (let first = true, changed = true; changed; first = false) {
    changed = false;
    const vector = [...bound].sort((a, b) => a[0] - b[0]).flat();
    for (const member of pieces) {
      const { live, work } = readOne(walk, vector, member, first || !anchored);
      if (work > walk.limits.maxWorkPerChar) throw new RegexRefusal("the pattern is too complex to check");
      for (let index = 0; index < live.length; index += 2) {
        if (live[index + 1]! <= (bound.get(live[index]!) ?? 0)) continue;
        bound.set(live[index]!, live[index + 1]!);
        changed = true;
      }
    }
  }
  return null;
}

/** The position where most paths are when the work per character first exceeds the bound, or null when it never does. */
export function crowdedPosition(positions: Positions, anchored: boolean, max: number, limits: WalkLimits): number | null {
  const flat = (weights: Map<number, number>) => [...weights].flat();
  const walk: Walk = {
    out: positions.follow.map(flat),
    cost: positions.follow.map((next, position) => 1 + next.size + positions.last[position]!),
    starts: flat(positions.first),
    settled: positions.settled,
    arrived: new Float64Array(positions.sets.length),
    steps: 0,
    limits,
  };
  const pieceLists = alphabetPieces(positions.sets, max);
  const pieces = pieceLists.map((piece) => {
    const member = new Uint8Array(positions.sets.length);
    for (const position of piece) member[position] = 1;
    return member;
  });
  const piecesOf = positions.sets.map((): number[] => []);
  pieceLists.forEach((piece, index) => {
    for (const position of piece) piecesOf[position]!.push(index);
  });
  const nextPieces = positions.follow.map((out) => [...new Set([...out.keys()].flatMap((to) => piecesOf[to]!))]);
  const exact = walkExactly(walk, pieces, nextPieces, anchored);
  return exact === tooManyStates ? walkUpperBound(walk, pieces, anchored) : exact;
}
