/** `process.env` as Convex functions see it: declared only so that convex/ sources type-check in the page's program. */
declare const process: { readonly env: Readonly<Record<string, string | undefined>> };
