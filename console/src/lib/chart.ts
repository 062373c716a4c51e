// One ECharts instance on a page's element: made on first use, redrawn whenever its box changes
// size (window, side panel, a card's table collapsing), disposed with the component.
import { onBeforeUnmount, type Ref } from 'vue'
import * as echarts from 'echarts/core'

export function useChart(el: Ref<HTMLElement | undefined>) {
  let chart: echarts.ECharts | null = null
  let observer: ResizeObserver | null = null

  function drop() {
    observer?.disconnect()
    observer = null
    chart?.dispose()
    chart = null
  }

  /** The chart on the element, made now if needed; null while the element is not rendered. */
  function get(): echarts.ECharts | null {
    if (!el.value) return null
    if (chart && chart.getDom() !== el.value) drop() // the element was rendered anew: the old canvas is gone
    if (!chart) {
      chart = echarts.init(el.value)
      const c = chart
      observer = new ResizeObserver(() => c.resize())
      observer.observe(el.value)
    }
    return chart
  }

  onBeforeUnmount(drop)
  return { get, current: () => chart }
}
