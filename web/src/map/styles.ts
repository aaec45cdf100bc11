// OpenLayers styles for the grid map, built from the looks in layers.ts.
import type { FeatureLike } from 'ol/Feature'
import { Circle, Fill, Stroke, Style, Text } from 'ol/style'
import type { StyleFunction } from 'ol/style/Style'
import { LAYER_SPECS, labelledAt, zoomForResolution, type LayerLook, type MapLayerName } from './layers'

const LABEL_FONT = '12px "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'

function stroke(look: LayerLook): Stroke {
  return new Stroke({ color: look.stroke, width: look.width, lineDash: look.dash })
}

/** A plain style for a polygon or point look. */
export function lookStyle(look: LayerLook): Style {
  if (look.radius !== undefined) {
    return new Style({
      image: new Circle({ radius: look.radius, fill: new Fill({ color: look.fill ?? look.stroke }), stroke: stroke(look) }),
    })
  }
  return new Style({ stroke: stroke(look), fill: look.fill ? new Fill({ color: look.fill }) : undefined })
}

function labelText(name: MapLayerName): Text {
  const point = name === 'stations'
  return new Text({
    font: LABEL_FONT,
    fill: new Fill({ color: '#1f2329' }),
    stroke: new Stroke({ color: 'rgba(255, 255, 255, 0.9)', width: 3 }),
    // A polygon's name is drawn only where it fits inside the polygon.
    overflow: false,
    offsetY: point ? -10 : 0,
  })
}

/** The style function of one tile layer: its look, and its features' names at the zooms where they are labelled. */
export function layerStyle(name: MapLayerName): StyleFunction {
  const base = lookStyle(LAYER_SPECS[name].look)
  const labelled = lookStyle(LAYER_SPECS[name].look)
  const text = labelText(name)
  labelled.setText(text)
  return (feature: FeatureLike, resolution: number) => {
    if (!labelledAt(name, zoomForResolution(resolution))) return base
    const label = feature.get('name')
    if (typeof label !== 'string' || label === '') return base
    text.setText(label)
    return labelled
  }
}

/** The outline of the region selected in the tree, in the search or on the map. */
export function highlightStyle(look: LayerLook): Style[] {
  return [
    new Style({ stroke: new Stroke({ color: 'rgba(255, 255, 255, 0.9)', width: look.width + 3 }) }),
    lookStyle(look),
  ]
}
