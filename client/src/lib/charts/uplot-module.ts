// The only module that imports uPlot at run time. It is reached through
// `loadUplot()`'s dynamic import alone, so uPlot (and its stylesheet) land in
// a chunk of their own that no first page load pays for.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export default uPlot;
