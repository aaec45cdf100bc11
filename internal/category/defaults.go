package category

import (
	"slices"

	"github.com/gridgov/gridgov/internal/region"
)

// The limits of the default tree follow common practice of Chinese digital
// city management (GB/T 30428) and 12345 hotlines: problems of city
// appearance are handled in working hours (exposed garbage 4, a missing
// manhole cover 4 to make safe), illegal construction in 20 working days,
// mediation of a dispute in 15 working days; a report is received,
// registered and dispatched within half an hour to a few hours, and
// verification of city-appearance problems takes 30 minutes, while a dispute
// or a service request is verified by a call-back within a working day.
// Emergencies (a gas leak, people trapped in a lift) get minutes.

func hrs(x float64) *Amount { return &Amount{Amount: x, Unit: Hours} }
func wds(x float64) *Amount { return &Amount{Amount: x, Unit: Days} }

// limits builds base limits; the handle step varies most, so it comes first.
func limits(handle, receive, register, dispatch, verify *Amount) *Limits {
	return &Limits{StepLimits: StepLimits{Receive: receive, Register: register, Dispatch: dispatch, Handle: handle, Verify: verify}}
}

// Profiles of the loop around the handle step.
func appearanceLimits(handle *Amount) *Limits {
	return limits(handle, hrs(0.5), hrs(0.5), hrs(0.5), hrs(0.5))
}
func serviceLimits(handle *Amount) *Limits { return limits(handle, hrs(1), hrs(2), hrs(2), wds(1)) }
func disputeLimits(handle *Amount) *Limits { return limits(handle, hrs(2), hrs(4), hrs(4), wds(1)) }
func urgentLimits(handle *Amount) *Limits {
	return limits(handle, hrs(0.5), hrs(0.5), hrs(0.5), hrs(1))
}
func emergencyLimits(handle *Amount) *Limits {
	return limits(handle, hrs(0.25), hrs(0.25), hrs(0.25), hrs(0.5))
}

// override sets the handle step for events handled at a level.
func override(l *Limits, level region.Level, handle *Amount) *Limits {
	if l.Levels == nil {
		l.Levels = map[region.Level]StepLimits{}
	}
	s := l.Levels[level]
	s.Handle = handle
	l.Levels[level] = s
	return l
}

type leafSpec struct {
	code, name, nameEn string
	urgency            Urgency
	limits             *Limits
	registration       string
	closing            string
	keywords           []string
}

type groupSpec struct {
	code, name, nameEn string
	leaves             []leafSpec
}

// mediation is the limit practice of people's mediation: 15 working days at
// the township's mediation committee, a week for a grid's on-the-spot
// mediation, 30 days for what reaches the county (人民调解法 allows 30 days).
func mediation(handleDays float64) *Limits {
	l := disputeLimits(wds(handleDays))
	override(l, region.Village, wds(min(handleDays, 5)))
	return override(l, region.County, wds(max(handleDays, 30)))
}

// defaultGroups builds the seed data afresh on each call, so nothing shared can be changed.
func defaultGroups() []groupSpec {
	return []groupSpec{
		{code: "dispute", name: "矛盾纠纷", nameEn: "Disputes", leaves: []leafSpec{
			{"dispute.marriage_family", "婚姻家庭纠纷", "Marriage and family dispute", Normal, mediation(15),
				"婚姻、家庭成员之间因婚姻关系、赡养、抚养、扶养、继承等发生纠纷，当事人申请调解或有激化苗头",
				"达成调解协议并履行，或已引导通过诉讼等法定途径解决；回访当事人无异议，无民转刑风险",
				[]string{"婚姻", "赡养", "抚养", "继承"}},
			{"dispute.neighbour", "邻里纠纷", "Neighbour dispute", Normal, mediation(10),
				"相邻住户因噪音、漏水、采光、通行、占用公共空间、饲养宠物等发生纠纷",
				"双方达成和解或调解协议并履行，回访无异议",
				[]string{"邻里", "漏水", "占用楼道", "宠物"}},
			{"dispute.economic", "经济纠纷", "Economic dispute (contracts, debts)", Normal, mediation(15),
				"因合同、借贷、债务、合伙经营等发生的经济纠纷，当事人申请调解",
				"达成调解协议并履行，或已引导通过仲裁、诉讼解决",
				[]string{"合同", "借款", "债务"}},
			{"dispute.land", "土地权属纠纷", "Land rights dispute", Normal, mediation(30),
				"因土地承包经营权、宅基地、林地、草原使用权属或边界发生的纠纷",
				"权属已依法确认或双方达成协议并履行，现场无冲突隐患",
				[]string{"土地承包", "宅基地", "地界"}},
			{"dispute.wages", "劳资纠纷", "Unpaid wages and labour dispute", Urgent, mediation(10),
				"用人单位拖欠工资、未签劳动合同、工伤待遇等引发的劳资纠纷，或有聚集讨薪苗头",
				"工资已支付或达成支付协议，或已转劳动仲裁；回访劳动者无异议",
				[]string{"欠薪", "讨薪", "工资", "劳动合同"}},
			{"dispute.property_management", "物业纠纷", "Property management dispute", Normal, mediation(15),
				"业主与物业服务企业、业主委员会之间因收费、服务质量、公共收益等发生的纠纷",
				"达成调解协议并履行，回访业主无异议",
				[]string{"物业费", "业委会", "公共收益"}},
			{"dispute.consumer", "消费纠纷", "Consumer dispute", Normal, disputeLimits(wds(7)),
				"消费者与经营者因商品或服务质量、价格、预付卡退费等发生纠纷",
				"经营者与消费者达成和解，或已告知通过仲裁、诉讼途径解决",
				[]string{"消费", "退款", "预付卡", "商品质量"}},
			{"dispute.medical", "医疗纠纷", "Medical dispute", Normal, mediation(30),
				"患者与医疗机构之间因诊疗活动引发的争议，当事人申请调解或有医闹苗头",
				"经医调委调解达成协议，或已引导通过鉴定、诉讼解决；医疗秩序正常",
				[]string{"医患", "医疗事故"}},
			{"dispute.traffic", "交通事故纠纷", "Traffic accident dispute", Normal, mediation(15),
				"道路交通事故损害赔偿纠纷，当事人申请调解",
				"达成赔偿协议并履行，或已引导通过诉讼解决",
				[]string{"交通事故", "赔偿"}},
		}},
		{code: "safety", name: "安全隐患", nameEn: "Safety hazards", leaves: []leafSpec{
			{"safety.gas", "燃气安全隐患", "Gas hazard", Emergency, emergencyLimits(hrs(2)),
				"闻到燃气异味、燃气管道或设施损坏泄漏、违规使用瓶装液化气、私接燃气管道等",
				"泄漏点已处置、设施已修复或违规使用已整改，经燃气企业检测合格",
				[]string{"燃气", "煤气", "泄漏", "液化气"}},
			{"safety.fire", "消防安全隐患", "Fire hazard", Urgent, urgentLimits(wds(1)),
				"占用、堵塞消防通道和疏散通道，消防设施损坏缺失，违规使用明火，私拉乱接电线等",
				"通道已清理、设施已修复、违规行为已整改，现场复查无隐患",
				[]string{"消防通道", "灭火器", "私拉电线"}},
			{"safety.ebike", "电动自行车违规停放充电", "Illegal e-bike parking or charging", Urgent, urgentLimits(hrs(4)),
				"电动自行车在楼道、楼梯间、安全出口停放，或入户、飞线充电",
				"车辆已移出、飞线已拆除，现场无违规停放充电",
				[]string{"电动车", "飞线充电", "楼道"}},
			{"safety.building", "房屋安全隐患", "Unsafe building", Urgent, urgentLimits(wds(5)),
				"房屋墙体开裂、倾斜、沉降，构件脱落，擅自改变承重结构等危及安全的情形",
				"已完成安全鉴定并采取撤离、加固、拆除等措施，隐患消除或受控",
				[]string{"危房", "裂缝", "承重墙"}},
			{"safety.flood", "防汛隐患", "Flood hazard", Urgent, urgentLimits(hrs(4)),
				"道路、小区、地下空间积水内涝，排水设施堵塞，河道堤防险情等",
				"积水已排除、排水设施已疏通，险情已处置或已设置警戒",
				[]string{"积水", "内涝", "排水", "防汛"}},
			{"safety.hazardous_chemicals", "危险化学品隐患", "Hazardous chemicals", Urgent, urgentLimits(wds(1)),
				"非法储存、经营、运输危险化学品，或危化品设施泄漏、标识缺失等",
				"危化品已依法处置或整改到位，经主管部门复查合格",
				[]string{"危化品", "易燃易爆"}},
			{"safety.construction_site", "施工安全隐患", "Construction site hazard", Normal, urgentLimits(wds(3)),
				"施工现场无围挡、高空坠物风险、深基坑无防护、脚手架不规范等",
				"防护措施已落实，隐患整改完毕并经复查",
				[]string{"工地", "围挡", "脚手架"}},
			{"safety.lift", "电梯故障困人", "Lift failure, people trapped", Emergency, emergencyLimits(hrs(1)),
				"电梯困人、运行异常、维保缺失等特种设备安全问题",
				"被困人员已解救，电梯经维保单位检修恢复正常或已停用待修",
				[]string{"电梯", "困人", "特种设备"}},
		}},
		{code: "public_order", name: "社会治安", nameEn: "Public order", leaves: []leafSpec{
			{"public_order.hazard", "治安隐患", "Public security hazard", Normal, urgentLimits(wds(3)),
				"小区门禁损坏、监控盲区、出租屋治安管理不到位等治安隐患",
				"隐患已整改，复查无问题",
				[]string{"门禁", "监控", "出租屋"}},
			{"public_order.suspicious", "可疑人员或物品", "Suspicious person or object", Urgent, urgentLimits(hrs(2)),
				"发现形迹可疑人员、可疑物品或车辆，可能危害公共安全",
				"公安机关已核查处置，排除或控制风险",
				[]string{"可疑", "陌生人", "可疑物品"}},
			{"public_order.vice", "黄赌毒违法线索", "Leads on vice, gambling or drugs", Normal, urgentLimits(wds(5)),
				"发现卖淫嫖娼、聚众赌博、吸贩毒等违法犯罪线索",
				"公安机关已核查并依法处理，反馈核查结果",
				[]string{"赌博", "吸毒", "涉黄"}},
			{"public_order.fraud", "电信网络诈骗", "Telecom and online fraud", Urgent, urgentLimits(hrs(4)),
				"群众疑似正在遭受电信网络诈骗，或发现涉诈窝点、涉诈人员线索",
				"已完成劝阻、止付或线索已移交公安机关，回访当事人",
				[]string{"诈骗", "转账", "刷单"}},
			{"public_order.noise", "社会生活噪声扰民", "Noise nuisance", Normal, urgentLimits(hrs(4)),
				"广场舞、商业促销、室内装修、夜间娱乐等社会生活噪声影响居民休息",
				"噪声源已停止或整改，回访投诉人无异议",
				[]string{"噪音", "扰民", "广场舞", "装修"}},
			{"public_order.gathering", "群体性事件苗头", "Risk of mass gathering", Urgent, urgentLimits(wds(1)),
				"因利益诉求可能引发聚集、上访、堵路等群体性事件的苗头性情况",
				"诉求已依法回应、人员已稳控疏导，无聚集风险",
				[]string{"聚集", "上访", "维权"}},
			{"public_order.key_persons", "重点人员动态异常", "Key person of concern", Urgent, urgentLimits(wds(1)),
				"严重精神障碍患者、社区矫正对象、刑满释放人员等重点人员出现失控、肇事肇祸风险",
				"已落实监护、管控或救治措施，风险可控",
				[]string{"精神障碍", "社区矫正", "重点人员"}},
			{"public_order.vagrancy", "流浪乞讨人员", "Vagrancy and begging", Normal, urgentLimits(wds(1)),
				"发现流浪乞讨人员，特别是老人、未成年人、残疾人等需要救助",
				"已护送至救助管理站或送返，或经劝导离开",
				[]string{"流浪", "乞讨", "救助"}},
		}},
		{code: "city_appearance", name: "市容环境", nameEn: "City appearance", leaves: []leafSpec{
			{"city_appearance.exposed_garbage", "暴露垃圾", "Exposed garbage", Normal, appearanceLimits(hrs(4)),
				"道路、广场、绿地等公共区域有暴露、堆积垃圾，面积≥1平方米或明显影响市容",
				"垃圾已清运，现场无残留、无异味",
				[]string{"垃圾", "堆积", "清运"}},
			{"city_appearance.overflowing_bins", "垃圾箱满溢", "Overflowing bins", Normal, appearanceLimits(hrs(2)),
				"垃圾桶、垃圾箱满溢，或周边垃圾散落",
				"垃圾已清运，桶箱周边干净",
				[]string{"垃圾桶", "满溢"}},
			{"city_appearance.illegal_construction", "违法建设", "Illegal construction", Normal, appearanceLimits(wds(20)),
				"未取得规划许可或未按许可内容建设的建筑物、构筑物，包括在建和新建成的",
				"违法建设已拆除或依法处理完毕，现场恢复",
				[]string{"违建", "私搭乱建", "违章建筑"}},
			{"city_appearance.road_damage", "道路破损", "Road damage", Normal, override(appearanceLimits(wds(5)), region.Township, wds(3)),
				"车行道、人行道路面破损、坑槽、沉陷，面积≥1平方米或深度≥5厘米",
				"路面已修复平整，施工现场已清理",
				[]string{"坑洼", "路面破损", "人行道"}},
			{"city_appearance.manhole", "井盖缺失破损", "Missing or broken manhole cover", Urgent, appearanceLimits(hrs(4)),
				"井盖缺失、破损、移位或与路面高差明显，危及行人车辆安全",
				"井盖已补齐或更换复位；未能立即更换的已设警示并在规定时间内恢复",
				[]string{"井盖", "窨井"}},
			{"city_appearance.street_vending", "占道经营", "Street vending on the road", Normal, appearanceLimits(hrs(2)),
				"在道路、人行道、广场等公共场所摆摊设点、店外经营",
				"摊点已清离，现场恢复通行",
				[]string{"摆摊", "占道", "流动摊贩"}},
			{"city_appearance.illegal_ads", "乱张贴乱涂写", "Illegal posters and graffiti", Normal, appearanceLimits(wds(1)),
				"在建筑物、电杆、公共设施上乱张贴、乱涂写、乱刻画小广告",
				"小广告已清除，墙面设施恢复整洁",
				[]string{"小广告", "乱贴", "涂鸦"}},
			{"city_appearance.parking", "乱停乱放", "Disorderly parking", Normal, appearanceLimits(hrs(2)),
				"机动车、非机动车、共享单车在人行道、消防通道等处乱停乱放",
				"车辆已挪移或规范停放",
				[]string{"乱停车", "共享单车"}},
			{"city_appearance.street_lights", "路灯不亮", "Street lights out", Normal, appearanceLimits(wds(2)),
				"路灯、景观灯不亮、损坏或白天常亮",
				"灯具已修复，亮灯正常",
				[]string{"路灯", "照明"}},
			{"city_appearance.greenery", "绿化损毁", "Damaged greenery", Normal, appearanceLimits(wds(3)),
				"绿地被踩踏占用、树木倒伏或枯死、绿篱毁坏、毁绿种菜",
				"绿地已恢复，倒伏树木已清理或补植",
				[]string{"绿地", "树木", "毁绿种菜"}},
			{"city_appearance.debris", "渣土撒漏", "Spilled construction debris", Normal, appearanceLimits(hrs(4)),
				"运输车辆撒漏渣土、砂石，道路遗撒污染",
				"路面已清扫冲洗，责任车辆已查处",
				[]string{"渣土", "遗撒"}},
			{"city_appearance.snow", "积雪未清", "Uncleared snow and ice", Normal, appearanceLimits(wds(1)),
				"雪停后道路、人行道、公共场所积雪结冰未清除，影响通行",
				"积雪冰层已清除，通行正常",
				[]string{"积雪", "清雪", "结冰"}},
			{"city_appearance.public_facilities", "公共设施损坏", "Damaged public facilities", Normal, appearanceLimits(wds(3)),
				"护栏、座椅、公交站亭、公厕、健身器材等公共设施损坏",
				"设施已修复或更换，使用正常",
				[]string{"护栏", "公厕", "健身器材"}},
		}},
		{code: "livelihood", name: "民生服务", nameEn: "Livelihood services", leaves: []leafSpec{
			{"livelihood.water", "供水问题", "Water supply", Normal, serviceLimits(wds(1)),
				"停水、水压低、水质浑浊有异味、供水管道漏水等",
				"供水恢复正常，水质检测合格，回访用户无异议",
				[]string{"停水", "水压", "水质"}},
			{"livelihood.heating", "供热问题", "Heating", Urgent, serviceLimits(wds(1)),
				"供暖期室温低于18℃、暖气不热、管道跑冒滴漏等",
				"室温达标或管道已修复，回访用户无异议",
				[]string{"暖气", "供暖", "室温"}},
			{"livelihood.power", "供电问题", "Power supply", Urgent, serviceLimits(hrs(4)),
				"非计划停电、电压不稳、供电线路隐患等",
				"供电恢复正常，线路隐患已消除",
				[]string{"停电", "电压"}},
			{"livelihood.gas_supply", "供气服务", "Gas supply service", Normal, serviceLimits(wds(1)),
				"停气、气压不足、开户缴费、表具故障等燃气服务问题",
				"供气恢复或服务问题已办结，回访用户无异议",
				[]string{"停气", "燃气表", "缴费"}},
			{"livelihood.elderly_care", "养老服务", "Elderly care", Normal, serviceLimits(wds(3)),
				"独居、空巢、高龄老人生活照料、助餐、助医、居家养老服务需求",
				"服务已落实，回访老人或家属满意",
				[]string{"独居老人", "助餐", "居家养老"}},
			{"livelihood.social_assistance", "社会救助", "Social assistance", Normal, serviceLimits(wds(10)),
				"低保、特困供养、临时救助等申请或待遇问题",
				"已受理办结或告知政策，回访无异议",
				[]string{"低保", "临时救助", "特困"}},
			{"livelihood.disability", "残疾人服务", "Services for people with disabilities", Normal, serviceLimits(wds(10)),
				"残疾人证办理、康复、补贴、无障碍设施等诉求",
				"诉求已办结或告知政策，回访无异议",
				[]string{"残疾", "无障碍", "康复"}},
			{"livelihood.property_service", "物业服务", "Property services", Normal, serviceLimits(wds(3)),
				"小区无物业、物业服务不到位、楼道照明损坏、公共部位维修等",
				"问题已整改，回访居民无异议",
				[]string{"物业", "楼道灯", "小区卫生"}},
			{"livelihood.employment", "就业社保", "Employment and social insurance", Normal, serviceLimits(wds(10)),
				"就业援助、失业登记、社保参保缴费、养老金待遇等诉求",
				"诉求已办结或告知政策，回访无异议",
				[]string{"就业", "社保", "养老金"}},
			{"livelihood.education", "教育入学", "Education and school enrolment", Normal, serviceLimits(wds(10)),
				"入学入园、学区划分、校外培训、校园周边等诉求",
				"诉求已办结或告知政策，回访无异议",
				[]string{"入学", "学区", "校外培训"}},
			{"livelihood.healthcare", "医疗卫生", "Healthcare", Normal, serviceLimits(wds(5)),
				"基层医疗服务、家庭医生签约、疫苗接种、医保报销等诉求",
				"诉求已办结或告知政策，回访无异议",
				[]string{"家庭医生", "疫苗", "医保"}},
		}},
		{code: "environment", name: "生态环境", nameEn: "Environment", leaves: []leafSpec{
			{"environment.catering_fumes", "餐饮油烟", "Restaurant fumes", Normal, serviceLimits(wds(5)),
				"餐饮单位未安装或未正常使用油烟净化设施，露天烧烤油烟扰民",
				"净化设施已安装运行或露天烧烤已取缔，回访无异议",
				[]string{"油烟", "烧烤"}},
			{"environment.open_burning", "露天焚烧", "Open burning", Urgent, urgentLimits(hrs(2)),
				"露天焚烧秸秆、垃圾、落叶、废旧物品等",
				"明火已扑灭，现场已清理，责任人已教育或处罚",
				[]string{"焚烧", "秸秆", "烧垃圾"}},
			{"environment.dust_emissions", "扬尘与废气", "Dust and exhaust emissions", Normal, serviceLimits(wds(3)),
				"施工工地、裸土、堆场扬尘，企业超标排放废气、异味",
				"防尘措施已落实或排放已达标，复查无问题",
				[]string{"扬尘", "废气", "异味"}},
			{"environment.water_pollution", "水体污染", "Water pollution", Normal, serviceLimits(wds(5)),
				"河道、湖泊黑臭，偷排污水，水面漂浮物等",
				"污染源已查处，水体已清理，复查无问题",
				[]string{"黑臭水体", "排污", "河道"}},
			{"environment.industrial_noise", "工业与施工噪声", "Industrial and construction noise", Normal, serviceLimits(wds(1)),
				"工业企业噪声超标，建筑施工夜间违规作业噪声扰民",
				"噪声已达标或夜间施工已停止，回访无异议",
				[]string{"施工噪音", "夜间施工"}},
			{"environment.solid_waste", "固体废物倾倒", "Illegal dumping of solid waste", Normal, serviceLimits(wds(3)),
				"非法倾倒建筑垃圾、工业固废、危险废物等",
				"废物已清运处置，倾倒者已查处",
				[]string{"倾倒", "建筑垃圾", "固废"}},
		}},
		{code: "other", name: "其他事项", nameEn: "Other matters", leaves: []leafSpec{
			{"other.general", "其他事项", "Other matters", Normal, serviceLimits(wds(5)),
				"不属于以上分类、需要协调处理的诉求",
				"诉求已办结或已告知办理途径，回访无异议",
				[]string{"其他", "咨询", "建议"}},
		}},
	}
}

// defaultPrivate are the default categories whose events concern a person
// rather than a place: disputes, policing, care and assistance.
var defaultPrivate = []string{
	"dispute", "public_order",
	"livelihood.elderly_care", "livelihood.social_assistance", "livelihood.disability", "livelihood.healthcare",
}

// DefaultTree returns the seed tree: six kinds of events a city's grid
// governance meets every day, and "other", with realistic standards and
// limits per leaf. Groups come before their leaves.
func DefaultTree() []Category {
	var out []Category
	for gi, g := range defaultGroups() {
		out = append(out, Category{Code: g.code, Name: g.name, NameEn: g.nameEn, Keywords: []string{}, Sort: (gi + 1) * 10,
			YellowAt: DefaultYellowAt, RedAt: DefaultRedAt, Private: slices.Contains(defaultPrivate, g.code), Active: true})
		for li, l := range g.leaves {
			out = append(out, Category{Private: slices.Contains(defaultPrivate, l.code),
				Code: l.code, ParentCode: g.code, Name: l.name, NameEn: l.nameEn,
				Keywords: append([]string(nil), l.keywords...), Sort: (li + 1) * 10, Leaf: true,
				RegistrationStandard: l.registration, ClosingStandard: l.closing, DefaultUrgency: l.urgency,
				Limits: l.limits, YellowAt: DefaultYellowAt, RedAt: DefaultRedAt, Active: true,
			})
		}
	}
	return out
}
