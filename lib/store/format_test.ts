import assert from "node:assert/strict";
import { formatCsv, formatJson, formatTable } from "./format.ts";

/** Stands in for @duckdb/node-api value classes, which render via toString(). */
class FakeDuckDBValue {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

const columns = ["run", "model", "alpha_mae", "ok", "started", "n"];
const rows: unknown[][] = [
  [1, "lstm", 0.123456789, true, new Date("2024-03-01T12:00:00Z"), 9007199254740993n],
  [2, 'cnn, "small"', 12.5, false, null, -3n],
  [3, null, NaN, null, new FakeDuckDBValue("2024-03-02 08:15:00"), 0n],
];

Deno.test("formatTable renders a mixed table with alignment and a row count", () => {
  assert.equal(
    formatTable(columns, rows),
    [
      "run  model         alpha_mae  ok     started                                  n",
      "───  ────────────  ─────────  ─────  ────────────────────────  ────────────────",
      "  1  lstm           0.123457  true   2024-03-01T12:00:00.000Z  9007199254740993",
      '  2  cnn, "small"       12.5  false  NULL                                    -3',
      "  3  NULL                NaN  NULL   2024-03-02 08:15:00                      0",
      "(3 rows)",
      "",
    ].join("\n"),
  );
});

Deno.test("formatTable number formatting", () => {
  const text = formatTable(["x"], [
    [1234567.89],
    [0.1 + 0.2],
    [1e-7 / 3],
    [-42],
    [1e21],
    [Infinity],
  ]);
  assert.deepEqual(text.split("\n").slice(2, 8), [
    "   1234568",
    "       0.3",
    "3.33333e-8",
    "       -42",
    "     1e+21",
    "  Infinity",
  ]);
});

Deno.test("formatTable treats DuckDB decimals as numbers and right-aligns them", () => {
  const text = formatTable(["price"], [[new FakeDuckDBValue("12.50")], [
    new FakeDuckDBValue("1.00"),
  ]]);
  assert.equal(text, "price\n─────\n12.50\n 1.00\n(2 rows)\n");
});

Deno.test("formatTable truncates long cells and headers with an ellipsis", () => {
  const long = "x".repeat(100);
  const text = formatTable(["a_very_long_column_name", "b"], [[long, "short"]], { maxWidth: 10 });
  assert.equal(
    text,
    [
      "a_very_lo…  b",
      "──────────  ─────",
      "xxxxxxxxx…  short",
      "(1 row)",
      "",
    ].join("\n"),
  );
  // Default limit is 60 display columns.
  const defaultLine = formatTable(["s"], [[long]]).split("\n")[2];
  assert.equal(defaultLine, "x".repeat(59) + "…");
});

Deno.test("formatTable counts wide characters as two columns", () => {
  const text = formatTable(["name", "v"], [["日本", 1], ["ab", 2]]);
  assert.equal(text, "name  v\n────  ─\n日本  1\nab    2\n(2 rows)\n");
  const cut = formatTable(["s"], [["日本語テキスト"]], { maxWidth: 6 });
  assert.equal(cut.split("\n")[2], "日本…");
});

Deno.test("formatTable escapes control characters instead of breaking the layout", () => {
  const text = formatTable(["s"], [["two\nlines\tand \x1b[31mred"]]);
  assert.equal(text.split("\n")[2], "two\\nlines\\tand \\x1B[31mred");
  assert.equal(text.split("\n").length, 5);
});

Deno.test("formatTable renders blobs, arrays and objects", () => {
  const text = formatTable(["blob", "list", "obj"], [[
    new Uint8Array([0x41, 0x00, 0xff, 0x27]),
    [1, 2n, null],
    { k: "v" },
  ]]);
  assert.equal(text.split("\n")[2], 'A\\x00\\xFF\\x27  [1,2,null]  {"k":"v"}');
});

Deno.test("formatTable with zero rows keeps the header and says (0 rows)", () => {
  assert.equal(formatTable(["a", "bb"], []), "a  bb\n─  ──\n(0 rows)\n");
  assert.equal(formatTable([], []), "(0 rows)\n");
});

Deno.test("formatTable honours nullText", () => {
  assert.equal(
    formatTable(["a"], [[null], [undefined]], { nullText: "∅" }),
    "a\n─\n∅\n∅\n(2 rows)\n",
  );
});

Deno.test("formatCsv renders a mixed table", () => {
  assert.equal(
    formatCsv(columns, rows),
    "run,model,alpha_mae,ok,started,n\n" +
      "1,lstm,0.123456789,true,2024-03-01T12:00:00.000Z,9007199254740993\n" +
      '2,"cnn, ""small""",12.5,false,,-3\n' +
      "3,,NaN,,2024-03-02 08:15:00,0\n",
  );
});

Deno.test("formatCsv quoting cases", () => {
  const csv = formatCsv(["plain", "comma", "quote", "lf", "cr", "empty", "null", "space"], [[
    "abc",
    "a,b",
    'say "hi"',
    "line1\nline2",
    "a\rb",
    "",
    null,
    " padded ",
  ]]);
  assert.equal(
    csv,
    "plain,comma,quote,lf,cr,empty,null,space\n" +
      'abc,"a,b","say ""hi""","line1\nline2","a\rb","",, padded \n',
  );
});

Deno.test("formatCsv quotes header names that need it", () => {
  assert.equal(formatCsv(['a,"b"', ""], [[1, 2]]), '"a,""b""",""\n1,2\n');
});

Deno.test("formatCsv uses full precision, exact bigints and JSON for nested values", () => {
  assert.equal(
    formatCsv(["f", "big", "inf", "list", "blob"], [[
      0.1 + 0.2,
      2n ** 64n + 1n,
      -Infinity,
      [1, "a,b"],
      new Uint8Array([0x22, 0x61]),
    ]]),
    'f,big,inf,list,blob\n0.30000000000000004,18446744073709551617,-Infinity,"[1,""a,b""]",\\x22a\n',
  );
});

Deno.test("formatCsv with zero rows writes only the header", () => {
  assert.equal(formatCsv(["a", "b"], []), "a,b\n");
});

Deno.test("formatJson renders a mixed table with exact text", () => {
  assert.equal(
    formatJson(columns, rows.slice(0, 2)),
    `[
  {
    "run": 1,
    "model": "lstm",
    "alpha_mae": 0.123456789,
    "ok": true,
    "started": "2024-03-01T12:00:00.000Z",
    "n": "9007199254740993"
  },
  {
    "run": 2,
    "model": "cnn, \\"small\\"",
    "alpha_mae": 12.5,
    "ok": false,
    "started": null,
    "n": -3
  }
]
`,
  );
});

Deno.test("formatJson round-trips through JSON.parse", () => {
  const parsed = JSON.parse(formatJson(columns, rows));
  assert.deepEqual(parsed, [
    {
      run: 1,
      model: "lstm",
      alpha_mae: 0.123456789,
      ok: true,
      started: "2024-03-01T12:00:00.000Z",
      n: "9007199254740993",
    },
    { run: 2, model: 'cnn, "small"', alpha_mae: 12.5, ok: false, started: null, n: -3 },
    { run: 3, model: null, alpha_mae: null, ok: null, started: "2024-03-02 08:15:00", n: 0 },
  ]);
});

Deno.test("formatJson keeps bigints above 2^53 exact as strings and safe ones as numbers", () => {
  const big = 2n ** 53n + 1n;
  const parsed = JSON.parse(
    formatJson(["big", "safe", "neg"], [[big, 2n ** 53n - 1n, -(2n ** 63n)]]),
  );
  assert.deepEqual(parsed, [{
    big: "9007199254740993",
    safe: 9007199254740991,
    neg: "-9223372036854775808",
  }]);
});

Deno.test("formatJson turns NaN and Infinity into null, also inside arrays", () => {
  const parsed = JSON.parse(formatJson(["a", "b", "c"], [[NaN, -Infinity, [1, NaN, Infinity]]]));
  assert.deepEqual(parsed, [{ a: null, b: null, c: [1, null, null] }]);
});

Deno.test("formatJson suffixes duplicate column names and keeps column order", () => {
  const json = formatJson(["id", "2", "id", "id_2", "id", "1"], [[1, 2, 3, 4, 5, 6]]);
  assert.equal(
    json,
    '[\n  {\n    "id": 1,\n    "2": 2,\n    "id_3": 3,\n    "id_2": 4,\n    "id_4": 5,\n' +
      '    "1": 6\n  }\n]\n',
  );
});

Deno.test("formatJson indents nested arrays and objects", () => {
  const json = formatJson(["meta"], [[{ tags: ["a", "b"], n: 1n, when: new Date(0) }]]);
  assert.equal(
    json,
    `[
  {
    "meta": {
      "tags": [
        "a",
        "b"
      ],
      "n": 1,
      "when": "1970-01-01T00:00:00.000Z"
    }
  }
]
`,
  );
  assert.deepEqual(JSON.parse(formatJson(["m"], [[new Map([["k", 1n]])]])), [{ m: { k: 1 } }]);
  assert.deepEqual(JSON.parse(formatJson(["v"], [[new Float32Array([0.5, 2])]])), [{
    v: [0.5, 2],
  }]);
});

Deno.test("formatJson renders DuckDB value objects and blobs as their text", () => {
  const parsed = JSON.parse(formatJson(["d", "blob", "list"], [[
    new FakeDuckDBValue("12.50"),
    new Uint8Array([0x00, 0x41]),
    new FakeDuckDBValue("[1, 2, 3]"),
  ]]));
  assert.deepEqual(parsed, [{ d: "12.50", blob: "\\x00A", list: "[1, 2, 3]" }]);
});

Deno.test("formatJson with zero rows is an empty array", () => {
  assert.equal(formatJson(["a"], []), "[]\n");
  assert.deepEqual(JSON.parse(formatJson([], [[], []])), [{}, {}]);
});

Deno.test("throws when a row does not have one cell per column", () => {
  const bad = [[1, 2], [3]];
  assert.throws(() => formatTable(["a", "b"], bad), {
    name: "RangeError",
    message: "Cannot format table: row 1 must have 2 cells (one per column), got 1",
  });
  assert.throws(() => formatCsv(["a", "b"], bad), {
    name: "RangeError",
    message: "Cannot format CSV: row 1 must have 2 cells (one per column), got 1",
  });
  assert.throws(() => formatJson(["a", "b"], bad), {
    name: "RangeError",
    message: "Cannot format JSON: row 1 must have 2 cells (one per column), got 1",
  });
});

Deno.test("throws when maxWidth is not a positive integer", () => {
  for (const maxWidth of [0, 2.5, NaN]) {
    assert.throws(() => formatTable(["a"], [], { maxWidth }), {
      name: "RangeError",
      message: `Cannot format table: maxWidth must be an integer >= 1, got ${maxWidth}`,
    });
  }
});

Deno.test("throws when a cell contains a cycle", () => {
  const cyclic: unknown[] = [1];
  cyclic.push(cyclic);
  assert.throws(() => formatJson(["c"], [[cyclic]]), {
    name: "TypeError",
    message:
      "Cannot format value: it must not contain cycles, got a reference back to an enclosing array",
  });
});
