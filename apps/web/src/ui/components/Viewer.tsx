import { createContext, render, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type OpenSeadragonType from 'openseadragon';
import { dziUrl } from '../api.js';
import { insideRings, scaleBar, type Ring } from '../geometry.js';
import { regionView } from '../region-outline.js';
import type { HeatCell, Polygon } from '../types.js';
import { RegionOfInterest } from './RegionOfInterest.js';
import { SectionOverlay, type Outline } from './SectionOverlay.js';

type Osd = typeof OpenSeadragonType;
export type Box = [number, number, number, number];

/**
 * What an overlay drawn over the section needs: the open OpenSeadragon viewer, its module (for Rect, Point, …) and the
 * section's size in level-0 pixels. A child of <Viewer> reads it with useContext(ViewerContext) once the image is open.
 */
export interface ViewerHandle {
  viewer: OpenSeadragonType.Viewer;
  osd: Osd;
  size: [number, number];
}
export const ViewerContext = createContext<ViewerHandle | null>(null);

interface Props {
  section: string;
  /** µm per level-0 pixel, for the scale bar; null hides it. */
  micronsPerPixel: number | null;
  /** The result's box, outlined, in level-0 pixels; null when browsing a section (it opens whole). */
  box: Box | null;
  /**
   * A whole-region result: the view fits the region's box with a margin (not a tile's context), and `outline`, the
   * region's own polygons on the section (smoothed rings), is highlighted instead of the box once it is known.
   */
  fit?: 'tile' | 'region';
  outline?: Ring[][] | null;
  /** The region outlines of the section, already smoothed. */
  outlines: Outline[];
  showRegions: boolean;
  showLabels: boolean;
  heat: HeatCell[] | null;
  /** The heatmap's colour range [lo, hi]. */
  heatRange: [number, number];
  heatOpacity: number;
  /** A click on a region (not a drag) names it. */
  onRegion?(acronym: string): void;
  /** Overlays of other features, given the open viewer through ViewerContext. */
  children?: ComponentChildren;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** How much tissue around the result "back to the tile" shows: the box and four of its widths on each side. */
const CONTEXT = 4;

/** The area around the result that opening it, and "Back to the tile", show. */
export const tileView = ([x, y, w, h]: Box): Box => [
  x - w * CONTEXT,
  y - h * CONTEXT,
  w * (2 * CONTEXT + 1),
  h * (2 * CONTEXT + 1),
];

/** What opening a result and "back to" show: a tile with its context, a whole region fitted with a margin. */
const resultView = (box: Box, fit: Props['fit']): Box => (fit === 'region' ? regionView(box) : tileView(box));

/**
 * OpenSeadragon over the section's Deep Zoom pyramid, with a minimap (its navigator) and a scale bar in µm. One SVG,
 * laid over the whole image in level-0 pixel units, holds the result's box, the region outlines with their labels and
 * the heatmap, so all stay registered with the tissue at any zoom. OpenSeadragon is loaded on first use, keeping it out
 * of the search page's bundle.
 */
export function Viewer(props: Props) {
  const host = useRef<HTMLDivElement>(null);
  const svg = useRef<SVGSVGElement | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const [handle, setHandle] = useState<ViewerHandle | null>(null);
  const bar = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let closed = false;
    let viewer: OpenSeadragonType.Viewer | null = null;
    setHandle(null);
    setProblem(null);
    void import('openseadragon')
      .then((module) => {
        if (closed || !host.current) return;
        const osd = ((module as unknown as { default?: Osd }).default ?? module) as Osd;
        viewer = openViewer(osd, host.current, props.section);
        const v = viewer;
        v.addHandler('open', () => {
          const content = v.world.getItemAt(0)?.getContentSize();
          if (!content) return;
          svg.current = addSvgOverlay(v, content.x, content.y);
          const box = latest.current.box;
          if (box) v.viewport.fitBounds(rect(v, resultView(box, latest.current.fit)), true);
          setHandle({ viewer: v, osd, size: [content.x, content.y] });
        });
        // Labels keep their screen size and the scale bar its length budget at every zoom.
        v.addHandler('update-viewport', () => onZoom(v));
        v.addHandler('canvas-click', (e) => {
          if (!e.quick || !latest.current.onRegion || !latest.current.showRegions) return;
          const at = v.viewport.viewerElementToImageCoordinates(e.position);
          const hit = [...latest.current.outlines].reverse().find((o) => insideRings([at.x, at.y], o.rings));
          if (hit) latest.current.onRegion(hit.region);
        });
        v.addHandler('open-failed', (e) =>
          setProblem(
            `The section image could not be opened (${String((e as { message?: string }).message ?? 'unknown error')}).`,
          ),
        );
      })
      .catch(() => setProblem('The deep-zoom viewer could not be loaded.'));
    return () => {
      closed = true;
      viewer?.destroy();
      svg.current = null;
      setHandle(null);
    };
  }, [props.section]);

  function onZoom(v: OpenSeadragonType.Viewer) {
    const screenPerImagePx = v.viewport.viewportToImageZoom(v.viewport.getZoom(true));
    svg.current?.style.setProperty('--label-size', `${13 / screenPerImagePx}px`);
    // Written straight to the DOM: this runs every animation frame, and re-rendering would redraw the heatmap.
    const mpp = latest.current.micronsPerPixel;
    if (!bar.current || !mpp) return;
    const { px, label } = scaleBar(mpp / screenPerImagePx);
    bar.current.dataset.px = px.toFixed(1);
    bar.current.setAttribute('aria-label', `Scale bar: ${label}`);
    (bar.current.firstElementChild as HTMLElement).style.width = `${px}px`;
    bar.current.lastElementChild!.textContent = label;
  }

  useEffect(() => {
    if (handle) onZoom(handle.viewer);
  }, [handle, props.micronsPerPixel]);

  useEffect(() => {
    if (!svg.current || !handle) return;
    render(
      <SectionOverlay
        size={handle.size}
        box={props.box}
        outline={props.outline ?? null}
        outlines={props.showRegions ? props.outlines : []}
        showLabels={props.showLabels}
        heat={props.heat}
        heatRange={props.heatRange}
        heatOpacity={props.heatOpacity}
      />,
      svg.current,
    );
  });

  const v = handle?.viewer;
  const box = props.box;
  // "+" and "−" zoom about the result, not the middle of the view, so the tile stays put.
  const zoom = (factor: number) =>
    v?.viewport.zoomBy(
      factor,
      box ? v.viewport.imageToViewportCoordinates(box[0] + box[2] / 2, box[1] + box[3] / 2) : undefined,
    );
  const what = props.fit === 'region' ? 'region' : 'tile';
  const about = box ? `about the ${what}` : '';
  return (
    <div class="viewer-wrap">
      <div class="viewer-tools" role="toolbar" aria-label="Viewer">
        <button type="button" onClick={() => zoom(1.5)} aria-label={`Zoom in ${about}`.trim()} disabled={!v}>
          +
        </button>
        <button type="button" onClick={() => zoom(1 / 1.5)} aria-label={`Zoom out ${about}`.trim()} disabled={!v}>
          −
        </button>
        {box && (
          <button
            type="button"
            disabled={!v}
            onClick={() => v?.viewport.fitBounds(rect(v, resultView(box, props.fit)))}
          >
            Back to the {what}
          </button>
        )}
        <button type="button" class="secondary" disabled={!v} onClick={() => v?.viewport.goHome()}>
          Whole section
        </button>
      </div>
      <div class="viewer-frame">
        <div
          ref={host}
          class="viewer"
          data-ready={handle ? 'true' : 'false'}
          role="img"
          aria-label={`Section ${props.section}${box ? `, the result's ${what} outlined` : ''}`}
        />
        {props.micronsPerPixel && (
          <div class="scale-bar" ref={bar} role="img" aria-label="Scale bar">
            <span class="bar" />
            <span class="label" />
          </div>
        )}
      </div>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
      {box && <RegionOfInterest section={props.section} handle={handle} />}
      <ViewerContext.Provider value={handle}>{props.children}</ViewerContext.Provider>
    </div>
  );
}

function openViewer(osd: Osd, element: HTMLElement, section: string): OpenSeadragonType.Viewer {
  return osd({
    element,
    tileSources: dziUrl(section),
    showNavigationControl: false,
    showNavigator: true,
    navigatorPosition: 'TOP_RIGHT',
    navigatorSizeRatio: 0.22,
    navigatorAutoFade: false,
    drawer: 'canvas',
    animationTime: 0.4,
    gestureSettingsMouse: { clickToZoom: false },
  });
}

function addSvgOverlay(v: OpenSeadragonType.Viewer, width: number, height: number): SVGSVGElement {
  const overlay = document.createElementNS(SVG_NS, 'svg');
  overlay.setAttribute('class', 'section-overlay');
  overlay.setAttribute('viewBox', `0 0 ${width} ${height}`);
  overlay.setAttribute('preserveAspectRatio', 'none');
  v.addOverlay({ element: overlay as unknown as HTMLElement, location: rect(v, [0, 0, width, height]) });
  return overlay;
}

const rect = (v: OpenSeadragonType.Viewer, [x, y, w, h]: Box) => v.viewport.imageToViewportRectangle(x, y, w, h);

export type { Polygon };
