export { createThrowawayCa, type ThrowawayCa } from './throwawayCa';
