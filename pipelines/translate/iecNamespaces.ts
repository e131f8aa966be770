/** The 2017 draft's namespaces all start with this (schemas/iec/xsd). */
export const IEC_DRAFT_NAMESPACE_BASE = 'http://iec.ch/TC57/2017/';

/** The namespaces of the profiles and messages derstream publishes. */
export interface IecNamespaces {
  statuses: { profileNamespace: string; messageNamespace: string };
  forecasts: { profileNamespace: string; messageNamespace: string };
}

/**
 * The namespaces under `base`, named as the draft names them: `<base><Profile>#` for a
 * profile, `<base><Profile>Message` for its messages.
 */
export function iecNamespaces(base: string = IEC_DRAFT_NAMESPACE_BASE): IecNamespaces {
  const of = (profile: string) => ({
    profileNamespace: `${base}${profile}#`,
    messageNamespace: `${base}${profile}Message`,
  });
  return { statuses: of('DERGroupStatuses'), forecasts: of('DERGroupForecasts') };
}
