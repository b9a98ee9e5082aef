/**
 * The panels beside the results (a result's detail, a browsed section) and what they draw with: loaded when one first
 * opens, so the search page's first load carries none of the viewer's code.
 */
export { Detail } from './components/Detail.js';
export { SectionPanel } from './components/SectionPanel.js';
