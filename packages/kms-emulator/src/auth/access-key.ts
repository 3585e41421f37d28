/** A credential the emulator accepts. */
export interface EmulatorAccessKey {
  accessKeyId: string
  accessKeySecret: string
  /**
   * When set, the key behaves like an STS credential: every request must carry this token
   * (`SecurityToken` parameter or `x-acs-security-token` header).
   * @default none (a long-term AccessKey that needs no token)
   */
  securityToken?: string
}
