/** RFC 9110 `token`: what an HTTP field name may be made of. */
export const httpToken = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
