import { defineTask } from "../lib/engine/task.ts";
import { file, int } from "../lib/engine/params.ts";
import { importTracks } from "../lib/data/import_tracks.ts";

/** Imports the user's tracks (CSV or Parquet, one row per frame) as a dataset artefact. */
export const importTracksTask = defineTask({
  name: "import_tracks",
  version: 1,
  doc: "tracks from a CSV or Parquet file (traj_id, t, x, y[, z], labels) as a checked dataset",
  seeded: false,
  params: {
    path: file("", "CSV or Parquet file with columns traj_id, t, x, y (z for dim 3) and labels"),
    min_length: int(10, "fewest frames a track may have", { min: 1 }),
    dim: int(2, "spatial dimensions (coordinates x, y, z)", { min: 1, max: 3 }),
  },
  inputs: {},
  outputs: {
    trajectories: {
      kind: "dataset",
      doc: "positions.npy, lengths.npy, labels.parquet[, frame_labels.parquet], meta.json",
    },
  },
  async run(ctx) {
    const { path, min_length: minLength, dim } = ctx.params;
    if (path === "") {
      throw new TypeError(
        `Cannot import tracks: parameter "path" is empty; set it, e.g. --set ${ctx.stepName}.path=tracks.csv`,
      );
    }
    const { meta, skippedColumns } = await importTracks(path, ctx.output("trajectories"), {
      dim,
      minLength,
    });
    if (skippedColumns.length > 0) {
      ctx.log.warn(
        `skipped column(s) ${
          skippedColumns.join(", ")
        }: they vary within a track and are not alpha, k or state`,
      );
    }
    ctx.log.info(`imported ${meta.count} tracks of up to ${meta.maxLength} frames from ${path}`);
    ctx.metric("tracks", meta.count);
    ctx.metric("max_length", meta.maxLength);
  },
});
