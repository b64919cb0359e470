/** Reads the `lag,msd` CSV that featurize_msd writes. */
export async function readMsdCsv(path: string): Promise<{ lags: number[]; msd: number[] }> {
  const lines = (await Deno.readTextFile(path)).trim().split("\n");
  if (lines[0] !== "lag,msd") {
    throw new SyntaxError(`Cannot read ${path}: header must be "lag,msd", got "${lines[0]}"`);
  }
  const lags: number[] = [];
  const msd: number[] = [];
  for (const [i, line] of lines.slice(1).entries()) {
    const [lag, value] = line.split(",").map(Number);
    if (!Number.isFinite(lag) || !Number.isFinite(value)) {
      throw new SyntaxError(`Cannot read ${path}: line ${i + 2} is not two numbers: "${line}"`);
    }
    lags.push(lag);
    msd.push(value);
  }
  return { lags, msd };
}
