import type { ModelNotes, Notice, Target, UploadInfo, UploadVerdict } from '../types.js';

/** Which model answered, that it was trained on synthetic tissue (when it was), and its model card. */
export function ModelNote({ model, modelCard, notice }: ModelNotes & { model: string }) {
  if (!model && !notice && !modelCard) return null;
  return (
    <p class="model-note">
      {model && <span class="muted">{model}</span>}
      {notice && (
        <>
          {' · '}
          <span class="synthetic" data-notice>
            {notice.charAt(0).toUpperCase() + notice.slice(1)}
          </span>
        </>
      )}
      {modelCard && (
        <>
          {' · '}
          <a href={modelCard} target="_blank" rel="noopener" class="model-card">
            Model card
          </a>
        </>
      )}
    </p>
  );
}

/** The answer's notices: regions the index has no data for, a model without calibration. */
export function Notices({ notices, target }: { notices: Notice[]; target: Target }) {
  if (notices.length === 0) return null;
  const what = target === 'regions' ? 'region images' : 'tiles';
  return (
    <>
      {notices.map((n) => (
        <p key={n.code} class="notice" data-code={n.code} title={n.message}>
          {n.code === 'no_data_for_region' && n.regions?.length
            ? `No data for ${n.regions.join(', ')}: the indexed atlas has no ${what} of ${n.regions.length === 1 ? 'this region' : 'these regions'}, so the results come from other regions.`
            : n.message}
        </p>
      ))}
    </>
  );
}

function scaleOf(upload: UploadInfo): string {
  const { tiles } = upload;
  const grid = tiles.count > 1 ? `${tiles.count} tiles (${tiles.columns} × ${tiles.rows})` : 'one tile';
  const capped = tiles.capped ? ` of the ${tiles.gridTiles} its size holds` : '';
  if (upload.micronsPerPixel === null)
    return `Read as ${grid}${capped}; its µm/px is unknown, so its short side was taken as one tile.`;
  const source = upload.micronsPerPixelSource === 'metadata' ? 'from the file' : 'as given';
  return `Read as ${grid}${capped} at ${upload.micronsPerPixel} µm/px (${source}).`;
}

/** For an uploaded image: how the server read it, and a warning when it looks unlike the tissue the model knows. */
export function UploadNote({ verdict }: { verdict: UploadVerdict }) {
  if (verdict.outOfDistribution === undefined) return null;
  return (
    <>
      {verdict.outOfDistribution && (
        <div class="warn ood" role="note" data-ood>
          <strong>This image does not look like the tissue the model knows.</strong>{' '}
          {verdict.outOfDistributionReason
            ? `${verdict.outOfDistributionReason.replace(/^./, (c) => c.toUpperCase())}. `
            : ''}
          Treat its scores and regions as guesses.
        </div>
      )}
      {verdict.upload && <p class="muted upload-note">{scaleOf(verdict.upload)}</p>}
    </>
  );
}

/** The tile (or region image) a "similar to" search started from; the server leaves it out of the results. */
export function ReferenceTile({ id, target }: { id: string; target: Target }) {
  const kind = target === 'regions' ? 'region image' : 'tile';
  const src = `/v1/${target === 'regions' ? 'region-images' : 'tiles'}/${encodeURIComponent(id)}/image?size=128`;
  return (
    <figure class="reference-tile">
      <img src={src} alt={`Reference ${kind} ${id.slice(0, 8)}`} width={96} height={96} />
      <figcaption>
        Reference {kind} <code>{id.slice(0, 8)}</code>: results are like it (it is left out of them).
      </figcaption>
    </figure>
  );
}
