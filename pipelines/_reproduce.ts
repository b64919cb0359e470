/** The pipelines `reproduce` runs, in order. */
export const reproduce: string[] = ["demo", "bimamba", "resandi", "andi2", "theory"];
