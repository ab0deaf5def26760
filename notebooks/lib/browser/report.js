// The script every report page inlines, after htl, Observable Inputs and d3-dsv (notebooks/lib/scripts.ts).
// It makes each table an Inputs table (sort by any column, a text filter, "Download CSV" of the
// rows the filter leaves) and gives each segmented section its selects. It reads only what the page
// embeds (notebooks/lib/table.ts, segments.ts) and fetches nothing.
(() => {
  const { Inputs, htl, d3 } = globalThis;

  const readJson = (element) => JSON.parse(element.textContent);
  const ALL = Symbol('all');

  /** The name of the variant a table sits in (`first=day_pass&promo=all` → `day_pass`), for file names. */
  function segmentSuffix(element) {
    const variant = element.closest('[data-segment]');
    if (!variant) return '';
    const values = variant.dataset.segment
      .split(' ')[0]
      .split('&')
      .map((pair) => decodeURIComponent(pair.split('=')[1]))
      .filter((value) => value !== 'all');
    return values.length > 0 ? `-${values.join('-')}` : '';
  }

  function interactiveTable(view) {
    const data = readJson(view.querySelector('script[data-table-data]'));
    const original = view.querySelector('table');
    const bodyRows = [...original.tBodies[0].rows];
    const headers = data.columns.map((c) => c.header);
    const records = data.rows.map((values) => Object.fromEntries(headers.map((h, j) => [h, values[j]])));
    const rowOf = new Map(records.map((record, i) => [record, bodyRows[i]]));
    const textOf = new Map(records.map((record, i) => [record, bodyRows[i].textContent.toLowerCase()]));

    // Cells show what the page rendered (links, notes, tooltips, test keys); sorting uses the values.
    const format = Object.fromEntries(
      headers.map((header, j) => [
        header,
        (_value, i, shown) => {
          const row = rowOf.get(shown[i]);
          const td = row.cells[j];
          const span = document.createElement('span');
          span.innerHTML = td.innerHTML;
          for (const name of ['data-key', 'title']) {
            const value = td.getAttribute(name);
            if (value !== null) span.setAttribute(name, value);
          }
          span.className = `${td.className}${row.classList.contains('total') ? ' total' : ''}`;
          return span;
        },
      ]),
    );
    const align = Object.fromEntries(data.columns.map((c) => [c.header, c.numeric ? 'right' : 'left']));
    const width = Object.fromEntries(data.columns.filter((c) => c.wide).map((c) => [c.header, 240]));

    const search = Inputs.search(records, {
      placeholder: 'Filter rows…',
      filter: (query) => {
        const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
        return (record) => terms.every((term) => textOf.get(record).includes(term));
      },
      format: () => '',
    });
    const count = htl.html`<span class="row-count">`;
    const selects = data.columns
      .filter((c) => c.filter)
      .map((c) => {
        const values = [...new Set(records.map((r) => r[c.header]))].sort((a, b) =>
          String(a).localeCompare(String(b)),
        );
        const select = Inputs.select([ALL, ...values], {
          label: c.header,
          format: (value) => (value === ALL ? 'All' : String(value)),
        });
        select.dataset.filter = c.header;
        return { header: c.header, select };
      });
    const download = htl.html`<a class="download" href="#" download="${data.name}${segmentSuffix(view)}.csv">Download CSV</a>`;
    const holder = document.createElement('div');
    let current;
    let url;

    function show() {
      const rows = search.value.filter((record) =>
        selects.every(({ header, select }) => select.value === ALL || record[header] === select.value),
      );
      current = Inputs.table(rows, {
        columns: headers,
        format,
        align,
        width,
        select: false,
        layout: 'auto',
        rows: Math.max(rows.length, 1),
        maxHeight: 'none',
      });
      current.dataset.table = data.name;
      holder.replaceChildren(current);
      count.textContent = `${rows.length} of ${records.length} rows`;
    }

    // Built when clicked: the rows the filter leaves, in the table's current order.
    download.addEventListener('click', () => {
      if (url) URL.revokeObjectURL(url);
      const csv = d3.csvFormat(current.value, headers);
      url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      download.href = url;
    });
    search.addEventListener('input', show);
    for (const { select } of selects) select.addEventListener('input', show);
    show();
    const toolbar = htl.html`<div class="table-tools">${search}${selects.map((s) => s.select)}${count}${download}</div>`;
    original.replaceWith(toolbar, holder);
  }

  function segmentSelects(section) {
    const dimensions = readJson(section.querySelector('script[data-segment-dimensions]'));
    const variants = [...section.querySelectorAll(':scope > [data-segment]')];
    const empty = section.querySelector(':scope > [data-segment-empty]');
    const selects = dimensions.map((dimension) => {
      const labels = new Map(dimension.choices.map((c) => [c.value, c.label]));
      const select = Inputs.select(
        dimension.choices.map((c) => c.value),
        { label: dimension.label, format: (value) => labels.get(value) },
      );
      select.dataset.dimension = dimension.key;
      return select;
    });
    function show() {
      const key = dimensions.map((d, i) => `${d.key}=${encodeURIComponent(selects[i].value)}`).join('&');
      let found = false;
      for (const variant of variants) {
        variant.hidden = !variant.dataset.segment.split(' ').includes(key);
        found ||= !variant.hidden;
      }
      empty.hidden = found;
    }
    for (const select of selects) select.addEventListener('input', show);
    section.querySelector('[data-segment-controls]').append(...selects);
    show();
  }

  for (const section of document.querySelectorAll('[data-segments]')) segmentSelects(section);
  for (const view of document.querySelectorAll('[data-table-view]')) interactiveTable(view);
})();
