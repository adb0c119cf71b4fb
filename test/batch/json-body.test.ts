/**
 * jsonBody writes a member write's JSON a piece of ids at a time (so no single big string is made): the
 * bytes must be exactly JSON.stringify's, whatever the number of ids, their characters and their extras.
 */
import type { IDataObject } from "n8n-workflow";

import { jsonBody } from "../../nodes/Batch/api/http";

function ids(count: number, make: (index: number) => unknown): unknown[] {
  return Array.from({ length: count }, (_, index) => make(index));
}

describe("jsonBody", () => {
  const bodies: Array<[string, IDataObject]> = [
    ["no ids", { name: "vip", type: "custom_ids" }],
    ["an empty list", { name: "vip", ids: [] }],
    [
      "ids alone, one piece",
      { ids: ids(1000, (index) => ({ id: `user-${index}` })) },
    ],
    [
      "ids alone, one more than a piece",
      { ids: ids(1001, (index) => ({ id: `user-${index}` })) },
    ],
    [
      "a full chunk after the name",
      { name: "vip", ids: ids(10_000, (index) => ({ id: `user-${index}` })) },
    ],
    [
      "a type, then changes with attributes and tags",
      {
        type: "custom_ids",
        ids: ids(2500, (index) =>
          index % 3 === 0
            ? { action: "remove", id: `u${index}` }
            : {
                action: "add",
                id: `u${index}`,
                attributes: { plan: "pro", score: index },
                tags: { interests: ["a", "b"] },
              },
        ),
      },
    ],
    [
      "ids that need escaping or are not ASCII",
      {
        name: "vip",
        ids: ids(3001, (index) => ({ id: `"é\\😀\n${index}\u2028` })),
      },
    ],
  ];

  it.each(bodies)("%s: the bytes of JSON.stringify", (_label, body) => {
    expect(jsonBody(body).toString("utf8")).toBe(JSON.stringify(body));
    expect(jsonBody(body).equals(Buffer.from(JSON.stringify(body)))).toBe(true);
  });
});
