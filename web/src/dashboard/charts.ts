// The options of the dashboards' charts, built from figures and labels, in
// the console's light look or the big screen's dark one. Each builder always
// yields the same number of series so that setOption can update in place.
import type { ChartOption } from './echarts'

export interface Theme {
  text: string
  muted: string
  line: string
  palette: string[]
}

export const THEMES: Record<'light' | 'dark', Theme> = {
  light: {
    text: '#303133',
    muted: '#909399',
    line: '#e4e7ed',
    palette: ['#409eff', '#67c23a', '#e6a23c', '#f56c6c', '#909399', '#9254de', '#13c2c2', '#fa8c16'],
  },
  dark: {
    text: '#d6ecff',
    muted: '#7fa6cc',
    line: 'rgba(127, 166, 204, 0.25)',
    palette: ['#38e1ff', '#5cf2a8', '#ffd15c', '#ff6b7a', '#a98bff', '#3aa0ff', '#ff9f45', '#7ef0f0'],
  },
}

export interface Named {
  name: string
  value: number
}

function base(theme: Theme, dark: boolean): ChartOption {
  return {
    backgroundColor: 'transparent',
    color: theme.palette,
    textStyle: { color: theme.text, fontSize: dark ? 14 : 12 },
    tooltip: { trigger: 'item', confine: true },
  }
}

/** Bars for named counts; horizontal lists read better for long names. */
export function barOption(items: readonly Named[], opts: { dark?: boolean; horizontal?: boolean; name?: string } = {}): ChartOption {
  const dark = !!opts.dark
  const theme = THEMES[dark ? 'dark' : 'light']
  const names = items.map((i) => i.name)
  const category = {
    type: 'category' as const,
    data: opts.horizontal ? [...names].reverse() : names,
    axisLabel: { color: theme.text, fontSize: dark ? 13 : 11, overflow: 'truncate' as const, width: opts.horizontal ? 110 : 80 },
    axisLine: { lineStyle: { color: theme.line } },
    axisTick: { show: false },
  }
  const value = {
    type: 'value' as const,
    minInterval: 1,
    axisLabel: { color: theme.muted, fontSize: dark ? 12 : 11 },
    splitLine: { lineStyle: { color: theme.line } },
  }
  const values = items.map((i) => i.value)
  return {
    ...base(theme, dark),
    tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    xAxis: opts.horizontal ? value : category,
    yAxis: opts.horizontal ? category : value,
    series: [
      {
        type: 'bar',
        name: opts.name ?? '',
        data: opts.horizontal ? [...values].reverse() : values,
        barMaxWidth: 28,
        itemStyle: { borderRadius: opts.horizontal ? [0, 3, 3, 0] : [3, 3, 0, 0] },
        label: { show: true, position: opts.horizontal ? 'right' : 'top', color: theme.text, fontSize: dark ? 12 : 11 },
      },
    ],
  }
}

/** Lines over a shared axis (days or months), one per named series. */
export function lineOption(
  x: readonly string[],
  series: readonly { name: string; data: readonly number[] }[],
  opts: { dark?: boolean; area?: boolean } = {},
): ChartOption {
  const dark = !!opts.dark
  const theme = THEMES[dark ? 'dark' : 'light']
  return {
    ...base(theme, dark),
    tooltip: { trigger: 'axis', confine: true },
    legend: { top: 0, textStyle: { color: theme.text }, itemHeight: 8 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: [...x],
      boundaryGap: false,
      axisLabel: { color: theme.muted },
      axisLine: { lineStyle: { color: theme.line } },
    },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: theme.muted }, splitLine: { lineStyle: { color: theme.line } } },
    series: series.map((s) => ({
      type: 'line' as const,
      name: s.name,
      data: [...s.data],
      smooth: true,
      showSymbol: x.length <= 12,
      areaStyle: opts.area ? { opacity: 0.15 } : undefined,
    })),
  }
}

/** A ring of named shares; zero shares are left out. */
export function pieOption(items: readonly Named[], opts: { dark?: boolean; name?: string } = {}): ChartOption {
  const dark = !!opts.dark
  const theme = THEMES[dark ? 'dark' : 'light']
  return {
    ...base(theme, dark),
    legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle', textStyle: { color: theme.text } },
    series: [
      {
        type: 'pie',
        name: opts.name ?? '',
        radius: ['42%', '70%'],
        center: ['36%', '50%'],
        avoidLabelOverlap: true,
        label: { show: false },
        data: items.filter((i) => i.value > 0).map((i) => ({ name: i.name, value: i.value })),
      },
    ],
  }
}

/** Named counts from an object of counts, in a given order first and then the rest. */
export function namedCounts(
  counts: Record<string, number> | null | undefined,
  label: (key: string) => string,
  order: readonly string[] = [],
): (Named & { key: string })[] {
  const c = counts ?? {}
  const keys = [...order.filter((k) => k in c), ...Object.keys(c).filter((k) => !order.includes(k))]
  return keys.map((key) => ({ key, name: label(key), value: Number(c[key] ?? 0) }))
}
