/**
 * Dense row-major matrix of float64. Everything numeric in the core passes through this one shape so that
 * features, estimators and metrics agree without copies.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) {
    throw new RangeError(`matrix data has ${d.length} values, expected ${rows} x ${cols} = ${rows * cols}`);
  }
  return { rows, cols, data: d };
}

/** A view of row i (no copy). */
export function row(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Copies the given rows into a new matrix (used by splits and bootstraps). */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float64Array(indices.length * m.cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), k * m.cols);
  }
  return { rows: indices.length, cols: m.cols, data: out };
}

export function fromRows(rows: ArrayLike<ArrayLike<number>>): Matrix {
  const n = rows.length;
  const cols = n === 0 ? 0 : rows[0].length;
  const data = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (r.length !== cols) throw new RangeError(`row ${i} has ${r.length} values, expected ${cols}`);
    for (let j = 0; j < cols; j++) data[i * cols + j] = r[j];
  }
  return { rows: n, cols, data };
}
