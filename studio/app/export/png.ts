/** The longest canvas side every current engine draws. */
const MAX_CANVAS_SIDE = 16_384;

/**
 * An SVG document rasterised to PNG in the browser: the SVG as an `<img>` source (an object URL),
 * drawn onto a `<canvas>` at `scale` times its size (2 by default, less for a drawing too large for a canvas; for sharp text on high-density
 * screens and slides), then `canvas.toBlob('image/png')`. Standard APIs only.
 *
 * @example
 * const png = await svgToPng(statechartSvg(layout)); // a Blob of type image/png
 */
export async function svgToPng(svg: string, scale = 2): Promise<Blob> {
  const { width, height } = svgSize(svg);
  // Browsers refuse canvases past about 16k pixels a side (a 1,000-state machine at 2×): scale less.
  const factor = Math.min(scale, MAX_CANVAS_SIDE / Math.max(width, 1), MAX_CANVAS_SIDE / Math.max(height, 1));
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const image = new Image();
    image.decoding = 'async';
    const loaded = new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the browser could not read the SVG as an image'));
    });
    image.src = url;
    await loaded;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * factor));
    canvas.height = Math.max(1, Math.round(height * factor));
    const context = canvas.getContext('2d');
    if (!context) throw new Error('this browser gives no 2D canvas');
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new Error('the canvas could not be encoded as PNG'))),
        'image/png',
      ),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The `width` and `height` attributes of an SVG's root element, in pixels. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const size = (name: string) => Number(new RegExp(`\\s${name}="([\\d.]+)"`).exec(root)?.[1] ?? 0);
  return { width: size('width'), height: size('height') };
}
