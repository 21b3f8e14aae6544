/**
 * Saves `content` as a file called `fileName` the standard way: a Blob, an object URL and a
 * temporary `<a download>` clicked once (no File System Access API, which only Chromium has). The
 * URL is revoked after the click has been handled.
 *
 * @example
 * download('refund-desk.gymspec.json', JSON.stringify(spec, null, 2), 'application/json');
 */
export function download(fileName: string, content: Blob | string, type = 'text/plain'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type: `${type};charset=utf-8` }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked on the next task: the click's navigation has read the URL by then in every engine.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A file name from an environment's name: letters, digits, `-`, `_` and `.` only. */
export function fileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|-+$/g, '') || 'environment';
}
