// Words for the workforce codes; an unknown (or missing) code is shown as sent.
import { useI18n } from 'vue-i18n'

export function useWorkforceLabels() {
  const { t, te } = useI18n()
  const known = (prefix: string, code: string | undefined): string =>
    code && te(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : (code ?? '')
  return {
    /** 专职 or 兼职. */
    employment: (e: string | undefined): string => known('workforce.employments', e),
    /** 网格员, 民警, 部门人员, 调解员, 志愿者. */
    teamRole: (r: string | undefined): string => known('workforce.teamRoles', r),
  }
}
