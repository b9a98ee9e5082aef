import type { RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { boxFromCorners, requestAreaSearch } from '../refine.js';
import './refine.css';

/** The server's limit on a region of interest, in level-0 pixels a side. */
const MAX_SIDE = 8192;

type Point = [number, number];

/**
 * "Search this area": a button beside the viewer, then a box dragged over the section. While drawing, a layer over
 * the viewer takes the pointer (OpenSeadragon does not pan); the box's corners are read against the section overlay
 * (the SVG laid over the whole image in level-0 units), so the box is right at any zoom. Releasing searches by it
 * (query.sectionRegion); Escape or the button again cancels.
 */
export function RegionOfInterest({
  section,
  size,
  viewer,
}: {
  section: string;
  /** The section's level-0 size, once the viewer has opened it. */
  size: [number, number] | null;
  /** The element OpenSeadragon draws in (holds svg.section-overlay). */
  viewer: RefObject<HTMLElement>;
}) {
  const [frame, setFrame] = useState<DOMRect | null>(null);
  const [drag, setDrag] = useState<{ from: Point; to: Point } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (!frame) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && cancel();
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [frame]);
  useEffect(cancel, [section]);

  function cancel() {
    setFrame(null);
    setDrag(null);
  }

  function start() {
    const rect = viewer.current?.getBoundingClientRect();
    if (!rect || !size) return;
    setProblem(null);
    setFrame(rect);
  }

  /** The part of the section in view, as a box: an area without a pointer (keyboard users). */
  function searchView() {
    const rect = viewer.current?.getBoundingClientRect();
    if (rect) finish([rect.left, rect.top], [rect.right, rect.bottom]);
  }

  function finish(from: Point, to: Point) {
    cancel();
    const overlay = viewer.current?.querySelector('svg.section-overlay')?.getBoundingClientRect();
    if (!overlay || !size || overlay.width === 0 || overlay.height === 0) return;
    const fraction = ([x, y]: Point): Point => [(x - overlay.left) / overlay.width, (y - overlay.top) / overlay.height];
    const bbox = boxFromCorners(fraction(from), fraction(to), size);
    if (!bbox) return setProblem('Drag a box over the section to search by it.');
    if (bbox[2] > MAX_SIDE || bbox[3] > MAX_SIDE)
      return setProblem(
        `The area may be at most ${MAX_SIDE.toLocaleString('en')} px a side: zoom in, or draw a smaller box.`,
      );
    requestAreaSearch({ section, bbox });
  }

  const at = (e: PointerEvent): Point => [e.clientX, e.clientY];
  return (
    <div class="roi-tools">
      <button type="button" aria-pressed={frame !== null} disabled={!size} onClick={frame ? cancel : start}>
        {frame ? 'Cancel area' : 'Search this area'}
      </button>
      {!frame && (
        <button type="button" class="link" disabled={!size} onClick={searchView}>
          Search the part in view
        </button>
      )}
      {frame && <span class="muted">Drag a box over the section (Esc cancels).</span>}
      {problem && (
        <span role="alert" class="warn">
          {problem}
        </span>
      )}
      {frame && (
        <div
          class="roi-layer"
          data-drawing={drag ? 'true' : 'false'}
          style={{ left: frame.left, top: frame.top, width: frame.width, height: frame.height }}
          onPointerDown={(e) => {
            (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
            setDrag({ from: at(e), to: at(e) });
          }}
          onPointerMove={(e) => drag && setDrag({ ...drag, to: at(e) })}
          onPointerUp={(e) => drag && finish(drag.from, at(e))}
        >
          {drag && (
            <div
              class="roi-box"
              style={{
                left: Math.min(drag.from[0], drag.to[0]) - frame.left,
                top: Math.min(drag.from[1], drag.to[1]) - frame.top,
                width: Math.abs(drag.to[0] - drag.from[0]),
                height: Math.abs(drag.to[1] - drag.from[1]),
              }}
            />
          )}
        </div>
      )}
    </div>
  );
}
