import { chipsOf, type SuggestedFilter } from '../chips.js';
import type { SearchState } from '../state.js';

/** "Your words name …": each suggestion of the server as a chip that applies it as a filter (never applied unasked). */
export function SuggestedChips({
  suggested,
  state,
  onApply,
}: {
  suggested: SuggestedFilter | null | undefined;
  state: SearchState;
  onApply(patch: Partial<SearchState>): void;
}) {
  const chips = chipsOf(suggested, state);
  if (chips.length === 0) return null;
  return (
    <p class="suggested" aria-label="Filters your words suggest">
      <span class="muted">Filter by what you typed: </span>
      {chips.map((chip) => (
        <button
          key={chip.key}
          type="button"
          class="chip"
          data-chip={chip.key}
          title={`Add ${chip.label} to the filters`}
          onClick={() => onApply(chip.patch)}
        >
          + {chip.label}
        </button>
      ))}
    </p>
  );
}
