import { useState } from 'preact/hooks';
import { ApiError, fetchTrajectory } from '../api.js';
import { filterOf, type SearchState } from '../state.js';
import type { Classification as Labels, Query, TrajectoryPoint } from '../types.js';
import { BarChart } from './BarChart.js';
import { ModelNote, UploadNote } from './Honesty.js';
import type { TrajectoryChart as Chart } from './Trajectory.js';

function ClassificationPanel({ classification }: { classification: Labels }) {
  return (
    <section class="classification" aria-labelledby="classification-title">
      <h2 id="classification-title">Which region this image looks like</h2>
      <ModelNote model={classification.model} modelCard={classification.modelCard} notice={classification.notice} />
      <UploadNote verdict={classification} />
      <div class="charts">
        <BarChart title="Zero-shot (text prompts)" labels={classification.zeroShot} unit="probability" />
        <BarChart title="Vote of the nearest tiles" labels={classification.nearestTiles} unit="share" />
      </div>
      {classification.temperature && (
        <p class="muted">
          {classification.temperature.calibrated
            ? `Probabilities calibrated on validation data (temperature ${classification.temperature.value}): a 0.9 means about 9 in 10 there.`
            : 'Probabilities not calibrated: this model carries no fitted temperature.'}
        </p>
      )}
    </section>
  );
}

/** Opens on demand: the trajectory is a second query over every age, so it is not run for every search. */
function TrajectoryPanel({
  query,
  state,
  label,
  specimenWeeks,
  onWeek,
}: {
  query: Query;
  state: SearchState;
  label: string;
  specimenWeeks: number[];
  onWeek(week: number): void;
}) {
  const [points, setPoints] = useState<{ weeks: TrajectoryPoint[]; topK: number } | null>(null);
  // The chart's code loads with its first data: most searches never open the trajectory.
  const [TrajectoryChart, setChart] = useState<typeof Chart | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [forKey, setForKey] = useState('');
  const key = JSON.stringify([label, state.target, filterOf({ ...state, weeks: null })]);
  async function onToggle(e: Event) {
    if (!(e.target as HTMLDetailsElement).open || forKey === key) return;
    setForKey(key);
    setPoints(null);
    setProblem(null);
    try {
      // Every age: the week filter would cut the very curve the chart is for.
      const [weeks, module] = await Promise.all([
        fetchTrajectory(query, filterOf({ ...state, weeks: null }), state.target),
        import('./Trajectory.js'),
      ]);
      setChart(() => module.TrajectoryChart);
      setPoints(weeks);
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  }
  return (
    <details class="trajectory-panel" onToggle={onToggle} key={key}>
      <summary>Developmental trajectory: how this pattern scores across gestational age</summary>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
      {!problem && !(points && TrajectoryChart) && <p role="status">Computing…</p>}
      {points && TrajectoryChart && (
        <TrajectoryChart
          points={points.weeks}
          topK={points.topK}
          query={label}
          specimenWeeks={specimenWeeks}
          onWeek={onWeek}
        />
      )}
    </details>
  );
}

export const Insights = { Classification: ClassificationPanel, Trajectory: TrajectoryPanel };
