import type OpenSeadragonType from 'openseadragon';
import { useEffect, useRef, useState } from 'preact/hooks';
import { boxFromCorners, requestAreaSearch } from '../refine.js';
import type { ViewerHandle } from './Viewer.js';
import './refine.css';

/** The server's limit on a region of interest, in level-0 pixels a side. */
const MAX_SIDE = 8192;

type Point = [number, number];

/**
 * "Search this area": a button under the viewer, then a box dragged over the section. While drawing, OpenSeadragon
 * does not pan; the drag's corners become level-0 pixels through its viewport, so the box is right at any zoom.
 * Releasing searches by it (query.sectionRegion); Escape or the button again cancels. "Search the part in view" takes
 * what the viewer shows (no pointer needed).
 */
export function RegionOfInterest({ section, handle }: { section: string; handle: ViewerHandle | null }) {
  const [drawing, setDrawing] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const stopDrawing = useRef<(() => void) | null>(null);

  useEffect(() => {
    if (!drawing) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && cancel();
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [drawing]);
  useEffect(() => cancel, [section, handle]);

  function cancel() {
    stopDrawing.current?.();
    stopDrawing.current = null;
    setDrawing(false);
  }

  /** Drawing: OpenSeadragon stops panning, a tracker on its canvas reads the drag, an overlay shows the box. */
  function start() {
    if (!handle) return;
    const { viewer, osd, size } = handle;
    setProblem(null);
    viewer.setMouseNavEnabled(false);
    const shown = document.createElement('div');
    shown.className = 'roi-box';
    let from: Point | null = null;
    const toImage = (position: OpenSeadragonType.Point): Point => {
      const at = viewer.viewport.viewerElementToImageCoordinates(position);
      return [at.x, at.y];
    };
    const place = (a: Point, b: Point) =>
      viewer.viewport.imageToViewportRectangle(
        Math.min(a[0], b[0]),
        Math.min(a[1], b[1]),
        Math.abs(b[0] - a[0]),
        Math.abs(b[1] - a[1]),
      );
    const tracker = new osd.MouseTracker({
      element: viewer.canvas,
      pressHandler: (e) => {
        from = toImage(e.position!);
        viewer.addOverlay({ element: shown, location: place(from, from) });
      },
      dragHandler: (e) => from && viewer.updateOverlay(shown, place(from, toImage(e.position!))),
      releaseHandler: (e) => {
        if (!from) return;
        const to = toImage(e.position!);
        cancel();
        search(boxFromCorners([from[0] / size[0], from[1] / size[1]], [to[0] / size[0], to[1] / size[1]], size));
      },
    });
    stopDrawing.current = () => {
      tracker.destroy();
      viewer.removeOverlay(shown);
      viewer.setMouseNavEnabled(true);
    };
    setDrawing(true);
  }

  /** What the viewer shows, as the area: no pointer needed. */
  function searchView() {
    if (!handle) return;
    const { viewer, size } = handle;
    const shown = viewer.viewport.viewportToImageRectangle(viewer.viewport.getBounds(true));
    const from: Point = [shown.x / size[0], shown.y / size[1]];
    search(boxFromCorners(from, [from[0] + shown.width / size[0], from[1] + shown.height / size[1]], size));
  }

  function search(bbox: [number, number, number, number] | null) {
    if (!bbox) return setProblem('Drag a box over the section to search by it.');
    if (bbox[2] > MAX_SIDE || bbox[3] > MAX_SIDE)
      return setProblem(
        `The area may be at most ${MAX_SIDE.toLocaleString('en')} px a side: zoom in, or draw a smaller box.`,
      );
    setProblem(null);
    requestAreaSearch({ section, bbox });
  }

  return (
    <div class="roi-tools" data-drawing={drawing ? 'true' : 'false'}>
      <button type="button" aria-pressed={drawing} disabled={!handle} onClick={drawing ? cancel : start}>
        {drawing ? 'Cancel area' : 'Search this area'}
      </button>
      {drawing ? (
        <span class="muted">Drag a box over the section (Esc cancels).</span>
      ) : (
        <button type="button" class="link" disabled={!handle} onClick={searchView}>
          Search the part in view
        </button>
      )}
      {problem && (
        <span role="alert" class="warn">
          {problem}
        </span>
      )}
    </div>
  );
}
