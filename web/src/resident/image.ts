// Photos from the phone's camera are large (12 MP and more); they are
// scaled down in a canvas before upload so a report goes through on a slow
// link and stays under the server's limit. Re-encoding also drops the
// photo's EXIF (and the position in it); the report carries the location.

/** The longest side a photo is scaled to. */
export const MAX_SIDE = 1600

/** JPEG quality of the scaled photo. */
export const QUALITY = 0.82

/** The size a width × height image is drawn at so that neither side exceeds max; never enlarged. */
export function fitWithin(width: number, height: number, max: number = MAX_SIDE): { width: number; height: number } {
  if (!(width > 0) || !(height > 0)) return { width: 0, height: 0 }
  const scale = Math.min(1, max / Math.max(width, height))
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  }
}

/** Reads an image file and returns it as a scaled JPEG. */
export async function downscale(file: Blob, max: number = MAX_SIDE): Promise<Blob> {
  const bitmap = await createImageBitmap(file)
  try {
    const size = fitWithin(bitmap.width, bitmap.height, max)
    const canvas = document.createElement('canvas')
    canvas.width = size.width
    canvas.height = size.height
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new Error('no 2D canvas')
    ctx.drawImage(bitmap, 0, 0, size.width, size.height)
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the photo could not be encoded'))), 'image/jpeg', QUALITY),
    )
  } finally {
    bitmap.close()
  }
}

/** A report's title from its description: the first line, at most 30 characters. */
export function titleFrom(description: string, fallback: string): string {
  const line = description.trim().split(/\r?\n/)[0]?.trim() ?? ''
  const chars = Array.from(line)
  if (chars.length === 0) return fallback
  return chars.length > 30 ? `${chars.slice(0, 29).join('')}…` : line
}
