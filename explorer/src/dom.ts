type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | EventListener | undefined | null>;

/** Creates an element; attributes starting with "on" are listeners, `false`/null ones are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "object" ? child : String(child));
  }
  return element;
}

export function replace(target: Element, ...children: (Child | Child[])[]): void {
  target.replaceChildren(
    ...children
      .flat()
      .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === "number" ? String(c) : c)),
  );
}

/** A table from rows; `cells` returns one cell per column. */
export function table<T>(
  headers: string[],
  rows: T[],
  cells: (row: T) => Child[],
  attributes: Attributes = {},
): HTMLTableElement {
  return h(
    "table",
    attributes,
    h("thead", {}, h("tr", {}, ...headers.map((name) => h("th", {}, name)))),
    h(
      "tbody",
      {},
      rows.map((row) => h("tr", {}, ...cells(row).map((cell) => h("td", {}, cell)))),
    ),
  );
}
