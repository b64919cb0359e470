import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng, type Rng } from "../rng.ts";
import { hungarianAssignment } from "./hungarian.ts";

/** Smallest total cost over every way to pair min(n, m) rows and columns one to one. */
function bruteForceMinimum(costs: number[][]): number {
  const n = costs.length;
  const m = costs[0].length;
  const tall = n > m;
  const short = tall ? m : n;
  const long = tall ? n : m;
  const used = new Array<boolean>(long).fill(false);
  let best = Infinity;
  function visit(index: number, sum: number): void {
    if (index === short) {
      best = Math.min(best, sum);
      return;
    }
    for (let k = 0; k < long; k++) {
      if (used[k]) continue;
      used[k] = true;
      visit(index + 1, sum + (tall ? costs[k][index] : costs[index][k]));
      used[k] = false;
    }
  }
  visit(0, 0);
  return best;
}

function randomMatrix(rng: Rng, integerCosts: boolean): number[][] {
  const n = rng.integer(1, 7);
  const m = rng.integer(1, 7);
  return Array.from(
    { length: n },
    () => Array.from({ length: m }, () => integerCosts ? rng.integer(0, 3) : rng.normal(0, 2)),
  );
}

function checkValidAssignment(costs: number[][], rows: number[], columns: number[]): void {
  const expected = Math.min(costs.length, costs[0].length);
  equal(rows.length, expected, "pair count");
  equal(columns.length, expected, "pair count");
  for (let i = 1; i < rows.length; i++) ok(rows[i] > rows[i - 1], "rows strictly ascending");
  equal(new Set(columns).size, columns.length, "columns used once");
  for (const r of rows) ok(r >= 0 && r < costs.length, `row ${r} in range`);
  for (const c of columns) ok(c >= 0 && c < costs[0].length, `column ${c} in range`);
}

Deno.test("hungarianAssignment() matches brute force over all pairings on 400 random matrices up to 6 x 6 (seed 11)", () => {
  // Costs are N(0, 2) or integers 0..2 (many ties); sums of at most 6 terms of size < 20 carry
  // rounding errors near 1e-14, so 1e-9 separates rounding from a wrong assignment.
  const rng = createRng(11).stream("hungarian");
  for (let trial = 0; trial < 400; trial++) {
    const costs = randomMatrix(rng, trial % 2 === 0);
    const { rows, columns, cost } = hungarianAssignment(costs);
    checkValidAssignment(costs, rows, columns);
    const summed = rows.reduce((sum, r, i) => sum + costs[r][columns[i]], 0);
    ok(
      Math.abs(summed - cost) <= 1e-9,
      `trial ${trial}: reported cost ${cost}, pairs sum ${summed}`,
    );
    const best = bruteForceMinimum(costs);
    ok(
      Math.abs(cost - best) <= 1e-9,
      `trial ${trial}: cost ${cost}, brute force ${best} for ${JSON.stringify(costs)}`,
    );
  }
});

Deno.test("hungarianAssignment() solves hand cases: square, wide, tall, negative costs, one row or column", () => {
  deepEqual(hungarianAssignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]]), {
    rows: [0, 1, 2],
    columns: [1, 0, 2],
    cost: 5,
  });
  deepEqual(hungarianAssignment([[7, 3, 9, 1]]), { rows: [0], columns: [3], cost: 1 });
  deepEqual(hungarianAssignment([[7], [3], [9], [1]]), { rows: [3], columns: [0], cost: 1 });
  // Wide: row 0 must give up its cheapest column (1) to row 1, whose alternative is far worse.
  deepEqual(hungarianAssignment([[2, 1, 9, 4], [8, 1, 9, 9]]), {
    rows: [0, 1],
    columns: [0, 1],
    cost: 3,
  });
  deepEqual(hungarianAssignment([[-5, 0], [0, -5], [-1, -1]]), {
    rows: [0, 1],
    columns: [0, 1],
    cost: -10,
  });
  const typed = hungarianAssignment([new Float64Array([0.5, 0.25]), new Float64Array([0.1, 0.9])]);
  deepEqual(typed, { rows: [0, 1], columns: [1, 0], cost: 0.35 });
});

Deno.test("hungarianAssignment() returns an empty assignment for a matrix with no rows or no columns", () => {
  deepEqual(hungarianAssignment([]), { rows: [], columns: [], cost: 0 });
  deepEqual(hungarianAssignment([[], []]), { rows: [], columns: [], cost: 0 });
});

Deno.test("hungarianAssignment() breaks ties exactly as scipy.optimize.linear_sum_assignment (SciPy 1.17.1 fixture)", () => {
  // Computed with SciPy 1.17.1; integer costs make many equal-cost assignments.
  const fixtures = [
    { costs: [[9, 17], [1, 9]], rows: [0, 1], columns: [0, 1] },
    { costs: [[1, 1, 1], [1, 1, 1]], rows: [0, 1], columns: [0, 1] },
    { costs: [[1, 1], [1, 1], [1, 1]], rows: [0, 1], columns: [0, 1] },
    { costs: [[0, 1, 0, 1], [1, 0, 1, 0], [0, 0, 1, 1]], rows: [0, 1, 2], columns: [0, 3, 1] },
    { costs: [[2, 1, 2], [1, 2, 1], [2, 2, 1], [1, 1, 2]], rows: [0, 1, 2], columns: [1, 0, 2] },
    {
      costs: [[0, 2, 1, 1, 2], [1, 1, 0, 2, 0], [2, 0, 1, 0, 1]],
      rows: [0, 1, 2],
      columns: [0, 2, 1],
    },
    {
      costs: [[2, 2, 0, 2, 1, 1], [1, 0, 2, 0, 0, 1], [1, 1, 0, 0, 0, 0], [0, 2, 0, 1, 2, 0]],
      rows: [0, 1, 2, 3],
      columns: [2, 1, 3, 0],
    },
    {
      costs: [[0, 1, 0, 2], [0, 2, 2, 2], [0, 1, 1, 1], [1, 2, 1, 0], [2, 1, 2, 0], [1, 2, 0, 0]],
      rows: [0, 2, 3, 5],
      columns: [0, 1, 3, 2],
    },
    {
      costs: [
        [1, 2, 0, 2, 1],
        [0, 1, 2, 2, 2],
        [0, 0, 2, 2, 2],
        [0, 0, 1, 1, 1],
        [2, 0, 1, 0, 0],
      ],
      rows: [0, 1, 2, 3, 4],
      columns: [2, 0, 1, 3, 4],
    },
    {
      costs: [[2, 0, 0, 0, 0, 0, 2], [1, 1, 0, 2, 2, 0, 0], [0, 0, 2, 1, 1, 0, 1]],
      rows: [0, 1, 2],
      columns: [1, 2, 0],
    },
  ];
  for (const { costs, rows, columns } of fixtures) {
    const got = hungarianAssignment(costs);
    deepEqual({ rows: got.rows, columns: got.columns }, { rows, columns }, JSON.stringify(costs));
  }
});

Deno.test("hungarianAssignment() throws when rows differ in length", () => {
  throws(() => hungarianAssignment([[1, 2], [3]]), {
    name: "TypeError",
    message:
      "Cannot solve assignment: row 1 has 1 costs but row 0 has 2; pass a rectangular matrix (pad missing entries with a large finite cost)",
  });
});

Deno.test("hungarianAssignment() throws when a cost is NaN or infinite", () => {
  throws(() => hungarianAssignment([[1, NaN]]), {
    name: "RangeError",
    message:
      "Cannot solve assignment: cost [0][1] is not finite, got NaN; replace forbidden pairs with a large finite cost",
  });
  throws(() => hungarianAssignment([[1], [Infinity]]), {
    name: "RangeError",
    message: /cost \[1\]\[0\] is not finite, got Infinity/,
  });
});
