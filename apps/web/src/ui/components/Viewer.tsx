import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type OpenSeadragonType from 'openseadragon';
import { dziUrl } from '../api.js';
import type { HeatCell, Polygon } from '../types.js';
import { SectionOverlay } from './SectionOverlay.js';

interface Props {
  section: string;
  /** The result's box, outlined, in level-0 pixels. */
  box: [number, number, number, number];
  polygons: Polygon[];
  showRegions: boolean;
  heat: HeatCell[] | null;
}

type Osd = typeof OpenSeadragonType;
const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * OpenSeadragon over the section's Deep Zoom pyramid. One SVG, laid over the whole image in level-0 pixel units, holds
 * the result's box, the region polygons and the heatmap, so all three stay registered with the tissue at any zoom.
 * OpenSeadragon is loaded on first use, keeping it out of the search page's bundle.
 */
export function Viewer(props: Props) {
  const host = useRef<HTMLDivElement>(null);
  const viewer = useRef<OpenSeadragonType.Viewer | null>(null);
  const svg = useRef<SVGSVGElement | null>(null);
  const [size, setSize] = useState<[number, number] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let closed = false;
    setSize(null);
    setProblem(null);
    void import('openseadragon')
      .then((module) => {
        if (closed || !host.current) return;
        const OSD = ((module as unknown as { default?: Osd }).default ?? module) as Osd;
        const v = OSD({
          element: host.current,
          tileSources: dziUrl(props.section),
          showNavigationControl: false,
          drawer: 'canvas',
          animationTime: 0.4,
          gestureSettingsMouse: { clickToZoom: false },
        });
        viewer.current = v;
        v.addHandler('open', () => {
          const item = v.world.getItemAt(0);
          const content = item?.getContentSize();
          if (!content) return;
          const overlay = document.createElementNS(SVG_NS, 'svg');
          overlay.setAttribute('class', 'section-overlay');
          overlay.setAttribute('viewBox', `0 0 ${content.x} ${content.y}`);
          overlay.setAttribute('preserveAspectRatio', 'none');
          v.addOverlay({
            element: overlay as unknown as HTMLElement,
            location: v.viewport.imageToViewportRectangle(0, 0, content.x, content.y),
          });
          svg.current = overlay;
          setSize([content.x, content.y]);
          const [x, y, w, h] = props.box;
          v.viewport.fitBounds(v.viewport.imageToViewportRectangle(x - w * 4, y - h * 4, w * 9, h * 9), true);
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
      viewer.current?.destroy();
      viewer.current = null;
      svg.current = null;
    };
  }, [props.section]);

  useEffect(() => {
    if (!svg.current || !size) return;
    render(
      <SectionOverlay
        size={size}
        box={props.box}
        polygons={props.showRegions ? props.polygons : []}
        heat={props.heat}
      />,
      svg.current,
    );
  });

  const zoom = (factor: number) => viewer.current?.viewport.zoomBy(factor);
  return (
    <div class="viewer-wrap">
      <div class="viewer-tools" role="toolbar" aria-label="Viewer">
        <button type="button" onClick={() => zoom(1.5)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoom(1 / 1.5)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={() => viewer.current?.viewport.goHome()}>
          Whole section
        </button>
      </div>
      <div
        ref={host}
        class="viewer"
        data-ready={size ? 'true' : 'false'}
        role="img"
        aria-label={`Section ${props.section}, the result's tile outlined`}
      />
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
    </div>
  );
}
