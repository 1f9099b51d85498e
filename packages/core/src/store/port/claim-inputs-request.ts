/** Input to `claimInputs`. */
export interface ClaimInputsRequest {
  /** At most this many inputs, oldest first. */
  max: number;
  /** Names the claim; `releaseInputs` with it puts the inputs back. */
  claimToken: string;
  /** Claim only these inputs (those of them still pending); default any pending input. */
  ids?: string[];
}
