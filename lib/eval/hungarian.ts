/**
 * Minimum-cost assignment (the linear sum assignment problem that the Hungarian / Kuhn–Munkres
 * method solves) for rectangular cost matrices, in O(n^2 m) time for n <= m.
 *
 * The solver is the shortest-augmenting-path form of the Hungarian method described by Crouse
 * (IEEE Trans. Aerosp. Electron. Syst. 52(4), 2016, pp. 1685-1686): rows are added one at a time,
 * each by a Dijkstra search over reduced costs that keeps the row and column potentials dual
 * feasible. It makes the same choices between equal-cost assignments as SciPy's
 * `linear_sum_assignment`, which the AnDi-2 scorer calls (andi-models.md §6.2, §6.3): a tall
 * matrix is solved transposed, candidate columns are scanned from the last to the first, and
 * among equally short paths a free column wins. Ties matter there, because two assignments of
 * equal total cost can differ in how many changepoints fall within the 10-frame threshold, and in
 * which truth segment the scorer reads when a prediction has no changepoints.
 *
 * @module
 */

/** A minimum-cost assignment: row `rows[i]` is paired with column `columns[i]`. */
export interface Assignment {
  /** Assigned row indices, ascending; min(rows, columns) of them. */
  rows: number[];
  /** The column paired with each entry of `rows`. */
  columns: number[];
  /** Sum of the costs of the pairs. */
  cost: number;
}

/**
 * Pairs rows with columns so that every row (if rows <= columns) or every column (otherwise) is
 * used once and the summed cost is smallest.
 *
 * @param costs cost matrix as an array of rows (number[][] or Float64Array[]), all of one length;
 *   finite values of any sign
 * @returns the pairs, ordered by row, and their total cost; empty when either side is empty
 * @throws {TypeError} when the rows differ in length
 * @throws {RangeError} when a cost is not finite
 *
 * @example Three workers, two jobs
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { hungarianAssignment } from "./hungarian.ts";
 * const { rows, columns, cost } = hungarianAssignment([[4, 1], [2, 0], [3, 2]]);
 * deepEqual(rows, [0, 1]); // row 2 is left out
 * deepEqual(columns, [1, 0]);
 * equal(cost, 3);
 * ```
 */
export function hungarianAssignment(costs: ArrayLike<ArrayLike<number>>): Assignment {
  const rowCount = costs.length;
  const columnCount = rowCount === 0 ? 0 : costs[0].length;
  for (let i = 0; i < rowCount; i++) {
    if (costs[i].length !== columnCount) {
      throw new TypeError(
        `Cannot solve assignment: row ${i} has ${
          costs[i].length
        } costs but row 0 has ${columnCount}; pass a rectangular matrix (pad missing entries with a large finite cost)`,
      );
    }
    for (let j = 0; j < columnCount; j++) {
      if (!Number.isFinite(costs[i][j])) {
        throw new RangeError(
          `Cannot solve assignment: cost [${i}][${j}] is not finite, got ${
            costs[i][j]
          }; replace forbidden pairs with a large finite cost`,
        );
      }
    }
  }
  if (rowCount === 0 || columnCount === 0) return { rows: [], columns: [], cost: 0 };

  // Solve with the shorter side as rows, so that every row gets a column.
  const transpose = columnCount < rowCount;
  const n = transpose ? columnCount : rowCount;
  const m = transpose ? rowCount : columnCount;
  const work = new Float64Array(n * m);
  for (let i = 0; i < rowCount; i++) {
    for (let j = 0; j < columnCount; j++) {
      if (transpose) work[j * m + i] = costs[i][j];
      else work[i * m + j] = costs[i][j];
    }
  }
  const columnOfRow = solveWide(work, n, m);

  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    pairs.push(transpose ? [columnOfRow[i], i] : [i, columnOfRow[i]]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  let cost = 0;
  for (const [row, column] of pairs) cost += costs[row][column];
  return { rows: pairs.map((p) => p[0]), columns: pairs.map((p) => p[1]), cost };
}

/** Assigns each of the n rows of an n x m matrix (n <= m, row-major) a column; returns them. */
function solveWide(work: Float64Array, n: number, m: number): Int32Array {
  const u = new Float64Array(n); // row potentials
  const v = new Float64Array(m); // column potentials
  const pathCost = new Float64Array(m); // shortest reduced path cost to each column
  const previousRow = new Int32Array(m); // row from which each column was reached
  const columnOfRow = new Int32Array(n).fill(-1);
  const rowOfColumn = new Int32Array(m).fill(-1);
  const rowSeen = new Uint8Array(n);
  const columnSeen = new Uint8Array(m);
  const remaining = new Int32Array(m);

  for (let current = 0; current < n; current++) {
    rowSeen.fill(0);
    columnSeen.fill(0);
    pathCost.fill(Infinity);
    // Scanning from the last column keeps the identity for a constant matrix (as SciPy does).
    for (let k = 0; k < m; k++) remaining[k] = m - 1 - k;
    let remainingCount = m;
    let row = current;
    let reached = 0;
    let sink = -1;
    while (sink < 0) {
      rowSeen[row] = 1;
      let best = -1;
      let lowest = Infinity;
      for (let k = 0; k < remainingCount; k++) {
        const j = remaining[k];
        const reduced = reached + work[row * m + j] - u[row] - v[j];
        if (reduced < pathCost[j]) {
          previousRow[j] = row;
          pathCost[j] = reduced;
        }
        // On a tie a free column ends the search at once.
        if (pathCost[j] < lowest || (pathCost[j] === lowest && rowOfColumn[j] === -1)) {
          lowest = pathCost[j];
          best = k;
        }
      }
      reached = lowest;
      const j = remaining[best];
      if (rowOfColumn[j] === -1) sink = j;
      else row = rowOfColumn[j];
      columnSeen[j] = 1;
      remaining[best] = remaining[--remainingCount];
    }

    u[current] += reached;
    for (let i = 0; i < n; i++) {
      if (rowSeen[i] && i !== current) u[i] += reached - pathCost[columnOfRow[i]];
    }
    for (let j = 0; j < m; j++) {
      if (columnSeen[j]) v[j] -= reached - pathCost[j];
    }
    // Flip the matched and unmatched edges along the path back to the current row.
    let column = sink;
    while (true) {
      const i = previousRow[column];
      rowOfColumn[column] = i;
      const displaced = columnOfRow[i];
      columnOfRow[i] = column;
      column = displaced;
      if (i === current) break;
    }
  }
  return columnOfRow;
}
