// Chart.js with only the parts the tracker charts use (keeps the bundle small).
import {
  CategoryScale,
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
} from 'chart.js'

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler, Tooltip, Legend)

/** A chart on `canvas`, or null where there is no 2D canvas (unit tests in jsdom). */
export function makeChart(canvas, config) {
  let context
  try {
    context = canvas?.getContext?.('2d')
  } catch {
    context = null
  }
  if (!context) return null
  return new Chart(context, config)
}
