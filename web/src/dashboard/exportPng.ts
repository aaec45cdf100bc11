// A panel as one PNG: its title, key figures and the images of its charts and
// map, laid out on a canvas. (Printing uses the print stylesheet instead.)

export interface PngFigure {
  label: string
  value: string
}

export interface PngPart {
  title: string
  /** A chart's data URL, or a canvas (the map). */
  image: string | HTMLCanvasElement
}

export interface PanelPicture {
  title: string
  subtitle: string
  figures: PngFigure[]
  parts: PngPart[]
  dark?: boolean
}

const WIDTH = 1600
const PAD = 32
const FIG_H = 84
const FIG_PER_ROW = 6
const PART_W = (WIDTH - PAD * 3) / 2
const PART_H = 420
const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'

/** The rows of the layout: how tall the picture of a panel is. */
export function pictureHeight(figures: number, parts: number): number {
  const figRows = Math.ceil(figures / FIG_PER_ROW)
  const partRows = Math.ceil(parts / 2)
  return 96 + figRows * (FIG_H + 12) + partRows * (PART_H + 40) + PAD
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image()
    img.onload = () => resolve(img)
    img.onerror = () => reject(new Error('image did not load'))
    img.src = src
  })
}

/** Draws the panel; resolves with a PNG data URL. */
export async function composePanelPng(p: PanelPicture): Promise<string> {
  const canvas = document.createElement('canvas')
  canvas.width = WIDTH
  canvas.height = pictureHeight(p.figures.length, p.parts.length)
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new Error('no 2D canvas')
  const fg = p.dark ? '#e6f7ff' : '#1f2329'
  const muted = p.dark ? '#8fb4d8' : '#606266'
  ctx.fillStyle = p.dark ? '#06162f' : '#ffffff'
  ctx.fillRect(0, 0, canvas.width, canvas.height)

  ctx.fillStyle = fg
  ctx.font = `600 30px ${FONT}`
  ctx.fillText(p.title, PAD, 50)
  ctx.fillStyle = muted
  ctx.font = `16px ${FONT}`
  ctx.fillText(p.subtitle, PAD, 80)

  let y = 96
  const figW = (WIDTH - PAD * 2 - (FIG_PER_ROW - 1) * 12) / FIG_PER_ROW
  p.figures.forEach((f, i) => {
    const col = i % FIG_PER_ROW
    if (i > 0 && col === 0) y += FIG_H + 12
    const x = PAD + col * (figW + 12)
    ctx.fillStyle = p.dark ? 'rgba(56, 225, 255, 0.08)' : '#f5f7fa'
    ctx.fillRect(x, y, figW, FIG_H)
    ctx.fillStyle = muted
    ctx.font = `15px ${FONT}`
    ctx.fillText(f.label, x + 14, y + 28, figW - 28)
    ctx.fillStyle = fg
    ctx.font = `600 28px ${FONT}`
    ctx.fillText(f.value, x + 14, y + 66, figW - 28)
  })
  if (p.figures.length) y += FIG_H + 12

  for (let i = 0; i < p.parts.length; i++) {
    const part = p.parts[i]!
    const x = PAD + (i % 2) * (PART_W + PAD)
    const top = y + Math.floor(i / 2) * (PART_H + 40)
    ctx.fillStyle = fg
    ctx.font = `600 18px ${FONT}`
    ctx.fillText(part.title, x, top + 24)
    const img = typeof part.image === 'string' ? await loadImage(part.image) : part.image
    const w = img.width
    const h = img.height
    if (!w || !h) continue
    const scale = Math.min(PART_W / w, (PART_H - 8) / h)
    ctx.drawImage(img, x, top + 36, w * scale, h * scale)
  }
  return canvas.toDataURL('image/png')
}

/** Saves a data URL as a file. */
export function downloadDataUrl(url: string, fileName: string): void {
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  document.body.appendChild(a)
  a.click()
  a.remove()
}

/** A chart card as a panel's PNG reads it. */
interface ChartImage {
  dataURL(): string | null
  title(): string
}

/** A panel's figures and its charts' images, for the panel's PNG. */
export function panelPicture(
  figures: readonly PngFigure[],
  cards: readonly ChartImage[] | null | undefined,
): { figures: PngFigure[]; parts: PngPart[] } {
  return {
    figures: figures.map((f) => ({ label: f.label, value: f.value })),
    parts: (cards ?? []).flatMap((c) => {
      const url = c.dataURL()
      return url ? [{ title: c.title(), image: url }] : []
    }),
  }
}
