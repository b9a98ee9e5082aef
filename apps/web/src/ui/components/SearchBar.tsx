import { useRef, useState } from 'preact/hooks';
import { ACCEPTED_TYPES, imageProblem, pixelProblem } from '../image-input.js';

export interface ImageQuery {
  name: string;
  base64: string;
  previewUrl: string;
  /** The image's scale when the user gives it (else the server reads TIFF/OME metadata, or treats it as unknown). */
  micronsPerPixel?: number;
}

interface Props {
  text: string;
  image: ImageQuery | null;
  busy: boolean;
  onSearch(text: string): void;
  onImage(image: ImageQuery): void;
  onClearImage(): void;
  /** The uploaded image's µm/px changed (undefined: unknown). */
  onScale(micronsPerPixel: number | undefined): void;
  onProblem(message: string): void;
}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new Error(`"${file.name}" could not be read.`));
    reader.readAsDataURL(file);
  });
}

/** Checks decoded size where the browser can decode (not TIFF: the server checks that one). */
async function pixelsOf(file: File): Promise<string | null> {
  if (file.type === 'image/tiff' || typeof createImageBitmap !== 'function') return null;
  try {
    const bitmap = await createImageBitmap(file);
    const problem = pixelProblem(file.name, bitmap.width, bitmap.height);
    bitmap.close();
    return problem;
  } catch {
    return `"${file.name}" could not be decoded as an image; it may be damaged.`;
  }
}

/** The text box, plus an image from the file picker, a drop or a paste. */
export function SearchBar(props: Props) {
  const [draft, setDraft] = useState(props.text);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const [lastText, setLastText] = useState(props.text);
  if (props.text !== lastText) {
    // The URL changed under us (back button, "find similar"): show what is searched.
    setLastText(props.text);
    setDraft(props.text);
  }

  async function take(file: File | undefined | null) {
    if (!file) return;
    const problem = imageProblem(file);
    if (problem) return props.onProblem(problem);
    try {
      const tooBig = await pixelsOf(file);
      if (tooBig) return props.onProblem(tooBig);
      props.onImage({ name: file.name, base64: await readBase64(file), previewUrl: URL.createObjectURL(file) });
    } catch (error) {
      props.onProblem((error as Error).message);
    }
  }

  return (
    <form
      class={`search-bar${dragging ? ' dragging' : ''}`}
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSearch(draft);
      }}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void take(e.dataTransfer?.files[0]);
      }}
      onPaste={(e) => {
        const file = [...(e.clipboardData?.files ?? [])][0];
        if (file) {
          e.preventDefault();
          void take(file);
        }
      }}
    >
      <label for="query" class="sr-only">
        Describe the cytoarchitecture to find
      </label>
      <input
        id="query"
        name="q"
        type="search"
        value={draft}
        placeholder="e.g. layered cortex with dense granular cells — or drop / paste an image"
        autocomplete="off"
        onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
      />
      <button type="submit">Search</button>
      <button type="button" class="secondary" onClick={() => fileInput.current?.click()}>
        Search by image…
      </button>
      <input
        ref={fileInput}
        id="image-file"
        type="file"
        class="sr-only"
        tabIndex={-1}
        aria-label="Image to search with"
        accept={ACCEPTED_TYPES.join(',')}
        onChange={(e) => {
          const input = e.target as HTMLInputElement;
          void take(input.files?.[0]);
          input.value = '';
        }}
      />
      {props.image && (
        <span class="image-chip">
          <img src={props.image.previewUrl} alt="" width={32} height={32} />
          <span>{props.image.name}</span>
          <ScaleInput value={props.image.micronsPerPixel} onChange={props.onScale} />
          <button
            type="button"
            class="link"
            onClick={props.onClearImage}
            aria-label={`Stop searching by ${props.image.name}`}
          >
            ×
          </button>
        </span>
      )}
    </form>
  );
}

/** The upload's µm/px: committed on change (Enter or leaving the field), so typing does not search at every digit. */
function ScaleInput({ value, onChange }: { value: number | undefined; onChange(v: number | undefined): void }) {
  return (
    <label class="scale">
      <span>µm/px</span>
      <input
        type="number"
        name="micronsPerPixel"
        min="0.01"
        max="1000"
        step="any"
        placeholder="unknown"
        value={value ?? ''}
        aria-describedby="scale-help"
        onChange={(e) => {
          const n = Number((e.target as HTMLInputElement).value);
          onChange(Number.isFinite(n) && n > 0 ? n : undefined);
        }}
        onKeyDown={(e) => {
          // Enter here commits the scale; it must not submit the form (a text search would drop the image).
          if (e.key !== 'Enter') return;
          e.preventDefault();
          (e.target as HTMLInputElement).blur();
        }}
      />
      <span id="scale-help" class="sr-only">
        Microns per pixel of the image; it is resampled to the model's scale and cut into tiles
      </span>
    </label>
  );
}
