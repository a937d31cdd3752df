// Tests read provider and API answers as loose JSON: `await res.json()` is `any` here, not `unknown`.
interface Response {
  json(): Promise<any>;
}
