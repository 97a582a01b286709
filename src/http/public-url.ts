import type { FastifyRequest } from "fastify";

/** Where this deployment is reached: ROTA_PUBLIC_URL, else the request's own scheme and host. */
export function baseUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  return (publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, "");
}
