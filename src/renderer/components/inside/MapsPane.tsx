/**
 * The program's maps (bpf_map_info) and what each holds now, read again with every snapshot:
 * each CPU's count for each bucket and their sum, the settings in .rodata, the ring buffer's fill.
 */
import { bucketBounds, type Layout } from '../../../shared/buckets.js';
import type { Inspection, MapValues } from '../../../shared/inspect.js';
import { formatCount } from '../../rate.js';

type MapView = Inspection['maps'][number];

/** What a key of the histogram's counts means: a bucket's sizes. */
function keyLabel(map: MapView, key: number, layout: Layout | null): string {
  if (map.name !== 'counts' || !layout) return String(key);
  const bounds = bucketBounds(layout);
  const b = bounds[key];
  if (!b) return String(key);
  return `${key}: ${b.low}${b.high === null ? '+' : b.high === b.low ? '' : `–${b.high}`}`;
}

function Values({ map, values, layout }: { map: MapView; values: MapValues; layout: Layout | null }) {
  if (values.kind === 'config') {
    return <p className="map-config">{values.fields.map((f) => <span key={f.name}>{f.name}=<strong>{f.value}</strong></span>)}</p>;
  }
  if (values.kind === 'ring') {
    return (
      <p>
        {values.used === null ? 'Its fill cannot be read here.'
          : `${formatCount(values.used)} of ${formatCount(values.size)} bytes written and not yet read.`}
      </p>
    );
  }
  if (values.entries.length === 0) return <p>All {formatCount(map.maxEntries)} values are 0.</p>;
  const cpus = values.perCpu ? values.entries[0]!.perCpu.length : 0;
  return (
    <table className="size-table map-values" data-testid={`map-values-${map.name}`}>
      <thead>
        <tr><th>Key</th>{Array.from({ length: cpus }, (_, c) => <th key={c}>CPU {c}</th>)}<th>{values.perCpu ? 'Sum' : 'Value'}</th></tr>
      </thead>
      <tbody>
        {values.entries.map((e) => (
          <tr key={e.key}>
            <td>{keyLabel(map, e.key, layout)}</td>
            {values.perCpu ? e.perCpu.map((v, c) => <td key={c}>{v}</td>) : null}
            <td>{e.sum}</td>
          </tr>
        ))}
      </tbody>
      {values.nonZero > values.entries.length
        ? <caption>… and {values.nonZero - values.entries.length} more keys that are not 0</caption> : null}
    </table>
  );
}

export function MapsPane({ maps, layout }: { maps: readonly MapView[]; layout: Layout | null }) {
  return (
    <div className="pane-body maps" tabIndex={0} role="region" aria-label="The program's maps and what they hold">
      {maps.map((m) => (
        <section key={m.id} className="map" aria-label={`Map ${m.name}`}>
          <h3>{m.name} <span className="map-meta">id {m.id} · {m.type} · key {m.keySize} B · value {m.valueSize} B · {formatCount(m.maxEntries)} entries{m.flags ? ` · flags 0x${m.flags.toString(16)}` : ''}</span></h3>
          {m.values ? <Values map={m} values={m.values} layout={layout} /> : <p className="pane-note">Its contents are not shown.</p>}
        </section>
      ))}
    </div>
  );
}
