"""The operation flows of a township office as state machines (pure data).

Steps are named as in the training course: 参保登记 (提交材料 → 审核 → 建立个人账户
→ 发放社保卡), 缴费核定 (确定缴费基数 → 计算缴费金额 → 核定并通知 → 缴费记录),
待遇支付 (待遇申请 → 待遇审核 → 待遇计算 → 复核 → 待遇支付) and 关系转移 (提出申请 → 审核申请 →
办理转移手续 → 接续社保关系), plus card services and the registrations that
benefits depend on (失业登记, 工伤认定).

An application's ``status`` is the code of the step it has reached, or one
of the end states ``returned`` (退回, may be resubmitted), ``rejected``
(不予受理/不予支付) or ``withdrawn``. The services layer enforces these
transitions; screens and receipts use the names and materials.
"""

from __future__ import annotations

from dataclasses import dataclass

RETURNED = "returned"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
END_STATES = (RETURNED, REJECTED, WITHDRAWN)

STATUS_NAMES = {
    RETURNED: ("已退回", "Returned"),
    REJECTED: ("未通过", "Rejected"),
    WITHDRAWN: ("已撤回", "Withdrawn"),
}


@dataclass(frozen=True)
class Step:
    """One step of a flow: its status code and names in both languages."""

    code: str
    name_zh: str
    name_en: str
    staff_only: bool = True  # a resident may only start (the first step)
    supervisor: bool = False
    """An approval (审批/复核): a supervisor or admin who neither accepted the
    application nor took any earlier step of it (受审分离, RULES.md §13.5)."""


@dataclass(frozen=True)
class Material:
    """A document the resident brings (RULES.md §11.1)."""

    code: str
    name_zh: str
    name_en: str
    required: bool = True


@dataclass(frozen=True)
class Workflow:
    """A kind of application: its steps in order, materials and working days."""

    type: str
    name_zh: str
    name_en: str
    steps: tuple[Step, ...]
    materials: tuple[Material, ...]
    expected_days: int
    queue_prefix: str
    can_return: bool = True  # 退回 for missing materials, resubmitted later
    can_reject: bool = True

    @property
    def first(self) -> str:
        return self.steps[0].code

    @property
    def last(self) -> str:
        return self.steps[-1].code

    def step(self, code: str) -> Step:
        for step in self.steps:
            if step.code == code:
                return step
        raise KeyError(code)

    def next_step(self, status: str) -> Step | None:
        """The step after ``status``, None at the end or in an end state."""
        codes = [s.code for s in self.steps]
        if status not in codes:
            return None
        index = codes.index(status)
        return self.steps[index + 1] if index + 1 < len(codes) else None

    def is_finished(self, status: str) -> bool:
        return status == self.last or status in END_STATES

    def allowed(self, status: str) -> tuple[str, ...]:
        """Statuses reachable from ``status``."""
        if status == RETURNED:
            return (self.first, WITHDRAWN)
        if self.is_finished(status):
            return ()
        targets: list[str] = []
        nxt = self.next_step(status)
        if nxt is not None:
            targets.append(nxt.code)
        if self.can_return and status == self.first:
            targets.append(RETURNED)
        if self.can_reject:
            targets.append(REJECTED)
        targets.append(WITHDRAWN)
        return tuple(targets)

    def status_name(self, status: str, language: str = "zh_CN") -> str:
        """A status shown to people: the step's name or the end state's."""
        zh, en = STATUS_NAMES.get(status, ("", ""))
        if not zh:
            step = self.step(status)
            zh, en = step.name_zh, step.name_en
        return zh if language == "zh_CN" else en


ID_CARD = Material("id_card", "居民身份证", "Resident ID card")
HUKOU = Material("hukou", "户口簿", "Household register")
SS_CARD = Material("ss_card", "社会保障卡", "Social security card")
BANK = Material("bank", "银行账户（或具有金融功能的社保卡）", "Bank account (or card with bank function)")
PHOTO = Material("photo", "近期白底免冠照片", "Recent photo, white background")
CERT_PAYMENT = Material("payment_cert", "原参保地参保缴费凭证", "Contribution certificate from the old place")

_ENROLMENT_STEPS = (
    Step("submitted", "提交材料", "Materials submitted", staff_only=False),
    Step("reviewed", "审核", "Reviewed"),
    Step("account_opened", "建立个人账户", "Personal account opened"),
    Step("card_issued", "发放社保卡", "Card issued"),
)
_ASSESSMENT_STEPS = (
    Step("base_determined", "确定缴费基数", "Base determined", staff_only=False),
    Step("amount_calculated", "计算缴费金额", "Amount calculated"),
    Step("notified", "核定并通知", "Assessed and notified"),
    Step("recorded", "缴费记录", "Payment recorded"),
)
# 受审分离: the amount is computed first and then checked (复核) by a second
# person, a supervisor who took no earlier step; only then is it paid.
_BENEFIT_STEPS = (
    Step("applied", "待遇申请", "Applied", staff_only=False),
    Step("reviewed", "待遇审核", "Reviewed"),
    Step("calculated", "待遇计算", "Calculated"),
    Step("approved", "复核", "Amount approved", supervisor=True),
    Step("paid", "待遇支付", "Paid"),
)
_TRANSFER_STEPS = (
    Step("applied", "提出申请", "Applied", staff_only=False),
    Step("reviewed", "审核申请", "Reviewed"),
    Step("transferring", "办理转移手续", "Transfer in progress"),
    Step("continued", "接续社保关系", "Relation continued"),
)

WORKFLOWS: dict[str, Workflow] = {
    w.type: w
    for w in (
        Workflow("enrol_resident_pension", "城乡居民养老保险参保登记", "Resident pension enrolment",
                 _ENROLMENT_STEPS,
                 (ID_CARD, HUKOU, BANK,
                  Material("difficulty_proof", "残疾证、低保证等（困难群体代缴时）", "Disability / low-income proof (if subsidised)", False)),
                 5, "A"),
        Workflow("enrol_resident_medical", "城乡居民医疗保险参保登记", "Resident medical enrolment",
                 _ENROLMENT_STEPS, (ID_CARD, HUKOU), 5, "A"),
        Workflow("enrol_employee", "职工（灵活就业）参保登记", "Employee / flexible-worker enrolment",
                 _ENROLMENT_STEPS,
                 (ID_CARD, Material("labour_contract", "劳动合同或用工证明（职工）", "Labour contract (employees)", False),
                  Material("deduction_agreement", "银行代扣协议（灵活就业）", "Bank deduction agreement (flexible)", False)),
                 5, "A"),
        Workflow("assessment", "缴费核定", "Contribution assessment", _ASSESSMENT_STEPS, (ID_CARD,), 1, "B",
                 can_return=False),
        Workflow("benefit_pension", "养老待遇申领", "Pension claim", _BENEFIT_STEPS,
                 (ID_CARD, SS_CARD, Material("claim_form", "退休（待遇领取）申请表", "Pension claim form"), BANK), 20, "D"),
        Workflow("benefit_unemployment", "失业保险金申领", "Unemployment benefit claim", _BENEFIT_STEPS,
                 (ID_CARD, Material("termination", "解除或终止劳动关系证明", "Proof of termination"), BANK), 10, "F"),
        Workflow("benefit_injury", "工伤保险待遇申领", "Work-injury benefit claim", _BENEFIT_STEPS,
                 (ID_CARD, Material("injury_decision", "工伤认定决定书", "Injury determination decision"),
                  Material("disability_assessment", "劳动能力鉴定结论", "Disability assessment", False), BANK), 20, "H"),
        Workflow("benefit_maternity", "生育津贴申领", "Maternity allowance claim", _BENEFIT_STEPS,
                 (ID_CARD, Material("birth_cert", "出生医学证明", "Birth medical certificate"),
                  Material("medical_records", "医疗记录", "Medical records")), 15, "H"),
        Workflow("benefit_medical", "医疗费用手工报销（含大病保险）", "Manual medical reimbursement (incl. serious illness)",
                 _BENEFIT_STEPS,
                 (ID_CARD, SS_CARD, Material("invoices", "医疗费用发票及清单", "Medical invoices and itemised list"),
                  Material("discharge", "出院小结", "Discharge summary")), 20, "E"),
        Workflow("transfer", "养老保险关系转移接续", "Transfer of pension relations", _TRANSFER_STEPS,
                 (ID_CARD, CERT_PAYMENT), 15, "G"),
        Workflow("unemployment_registration", "失业登记", "Unemployment registration",
                 (Step("submitted", "提交登记", "Submitted", staff_only=False), Step("registered", "登记完成", "Registered")),
                 (ID_CARD, Material("termination", "解除或终止劳动关系证明", "Proof of termination")), 1, "F",
                 can_return=True),
        Workflow("injury_determination", "工伤认定申请", "Work-injury determination",
                 # The township receives and forwards; the 人社局 decides. "determined" records
                 # its decision (document number and date); a refusal is recorded as rejected.
                 (Step("submitted", "提交申请", "Submitted", staff_only=False), Step("accepted", "受理", "Accepted"),
                  Step("forwarded", "报送人社局", "Forwarded to the HRSS bureau"),
                  Step("determined", "登记认定结论（认定为工伤）", "Bureau's decision recorded: work injury")),
                 (Material("injury_form", "工伤认定申请表", "Determination application form"),
                  Material("employment_proof", "劳动关系证明", "Proof of employment"),
                  Material("diagnosis", "医疗诊断证明", "Medical diagnosis"), ID_CARD), 60, "H"),
        Workflow("card_apply", "社保卡申领", "Social security card application",
                 (Step("submitted", "提交申请", "Submitted", staff_only=False), Step("made", "制卡", "Card made"),
                  Step("issued", "领卡", "Card collected")), (ID_CARD, PHOTO), 10, "C"),
        Workflow("card_loss", "社保卡挂失", "Card loss report",
                 (Step("reported", "挂失（卡已冻结）", "Reported (card frozen)", staff_only=False),),
                 (ID_CARD,), 0, "C", can_return=False, can_reject=False),
        Workflow("card_unfreeze", "社保卡解挂", "Card unfreeze",
                 (Step("submitted", "提交申请", "Submitted", staff_only=False), Step("unfrozen", "已解挂", "Unfrozen")),
                 (ID_CARD, SS_CARD), 0, "C", can_return=False),
        Workflow("card_replace", "社保卡补换", "Card replacement",
                 (Step("submitted", "提交申请", "Submitted", staff_only=False), Step("made", "制卡", "Card made"),
                  Step("issued", "领卡", "Card collected")), (ID_CARD, PHOTO), 10, "C"),
    )
}


# -- lifecycle events (issue 15, RULES.md §13.3), each an application ---------------------
# 受理 by a clerk; 审核 of a death or an inheritance by a supervisor who took no earlier
# step (受审分离, §13.5). Effects in kiosk.services.lifecycle_apps; the facts in Application.data.
DEATH_CERT = Material("death_cert", "死亡证明或火化证明", "Death or cremation certificate")
HUKOU_CANCEL = Material("hukou_cancel", "户口注销证明", "Proof the household registration is cancelled")
APPLICANT_ID = Material("applicant_id", "申请人身份证及与死者关系证明", "Applicant's ID and proof of relationship")
HEIR_ID = Material("heir_id", "继承人身份证", "Heir's ID card")
KINSHIP = Material("kinship", "继承关系证明（公证书或亲属关系证明）", "Proof of inheritance (notarial or kinship)")
_ENROLMENT_CHANGE_STEPS = (Step("accepted", "受理", "Accepted", staff_only=False), Step("done", "办结", "Done"))
LIFECYCLE_WORKFLOWS: tuple[Workflow, ...] = (
    Workflow("certification", "待遇领取资格认证", "Benefit eligibility certification",
             (Step("accepted", "受理", "Accepted", staff_only=False), Step("certified", "认证完成", "Certified")),
             (ID_CARD, Material("ss_card", "社会保障卡", "Social security card", False)), 0, "D", can_return=False),
    Workflow("death_report", "死亡注销", "Death report",
             (Step("accepted", "受理", "Accepted", staff_only=False),
              Step("reviewed", "审核", "Reviewed", supervisor=True), Step("closed", "办结", "Closed")),
             (DEATH_CERT, HUKOU_CANCEL, APPLICANT_ID), 5, "D"),
    Workflow("inheritance", "个人账户继承及丧葬补助金", "Account inheritance and funeral grant",
             (Step("accepted", "受理", "Accepted", staff_only=False),
              Step("reviewed", "审核", "Reviewed", supervisor=True), Step("paid", "支付", "Paid")),
             (HEIR_ID, KINSHIP, BANK), 20, "D"),
    Workflow("enrolment_suspend", "暂停缴费（停保）", "Suspend contributions", _ENROLMENT_CHANGE_STEPS,
             (ID_CARD,), 1, "B"),
    Workflow("enrolment_resume", "恢复缴费", "Resume contributions", _ENROLMENT_CHANGE_STEPS, (ID_CARD,), 1, "B"),
    Workflow("enrolment_end", "终止参保", "End enrolment", _ENROLMENT_CHANGE_STEPS,
             (ID_CARD, Material("end_proof", "终止参保原因证明（如已参加职工养老保险）",
                                "Proof of the reason (e.g. now in the employee scheme)", False)), 1, "B"),
)
WORKFLOWS.update({w.type: w for w in LIFECYCLE_WORKFLOWS})


# -- 信息变更 (issue 15.2): name, ID number, 户籍地, bank account -------------------------------
# The supporting document each field needs is checked per field at 审核 (kiosk.services.info_change),
# so none is required for every change; identity fields are approved at 审核 by a supervisor who
# did not accept them (受审分离), 户籍地 and bank account may be reviewed by the clerk.
INFO_CHANGE = Workflow(
    "info_change", "信息变更", "Change of recorded information",
    (Step("accepted", "受理", "Accepted", staff_only=False), Step("reviewed", "审核", "Reviewed"),
     Step("done", "办结", "Done")),
    (ID_CARD,
     Material("police_proof", "户口簿或公安机关证明（变更姓名、身份证号码）",
              "Household register or police certificate (name, ID number)", False),
     Material("hukou_proof", "户籍证明（变更户籍地）", "Proof of household registration (for a new hukou place)", False),
     Material("bank_card", "银行卡或社保卡（变更银行账户）", "Bank card or social security card (bank account)",
              False)),
    1, "C")
WORKFLOWS[INFO_CHANGE.type] = INFO_CHANGE


def workflow(type_: str) -> Workflow:
    """The workflow for an application type; KeyError names the known ones."""
    try:
        return WORKFLOWS[type_]
    except KeyError:
        raise KeyError(f"unknown application type {type_!r}; known: {', '.join(WORKFLOWS)}") from None
