/** One JSON object per line on standard output, for any log collector. */
export type Log = (fields: Record<string, unknown>) => void;

export const jsonLineLog: Log = (fields) => {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
};
