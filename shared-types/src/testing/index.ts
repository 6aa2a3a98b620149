export { createThrowawayCa, type ThrowawayCa } from './throwawayCa';
export { withUnknownFieldsEverywhere } from './withUnknownFields';
