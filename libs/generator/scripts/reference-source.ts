/**
 * The source of libs/generator/reference/*.json. Edit the tables here, then run
 *   node -r @swc-node/register libs/generator/scripts/write-reference.ts
 * A unit test fails when the committed JSON differs from what this file builds.
 *
 * Every enterprise, person and name is fictional; codes follow the real formats (see README).
 */
import { sha256Hex } from '@clearance/contracts';
import { WATCHLISTED_PEOPLE } from '../src/codes';
import { orgCodeCheck, usccCheck } from '../src/ids';

const d5 = (x: number): string => x.toFixed(5);
const opt5 = (x: number | null): string | null => (x === null ? null : d5(x));

/** A unified social credit code from region and an 8-character organization-code body. */
function uscc(region6: string, orgBody8: string): string {
  const c17 = '91' + region6 + orgBody8 + orgCodeCheck(orgBody8);
  return c17 + usccCheck(c17);
}

// ------------------------------------------------------------------------------- enterprises
type Grade = 'AA' | 'A' | 'B' | 'D';
interface E {
  code: string;
  name: string;
  creditGrade: Grade;
  roles: string[];
  onFile?: boolean;
  country?: string | null;
  gen: Record<string, unknown>;
}

const P = {
  YUNFAN: '3301964J31',
  HAIMAO: '4403966K8Z',
  HUANQIU: '3120966A12',
  YANGCHENG: '4401966B05',
  ZHONGYUAN: '4101966C77',
  HAIGOU: uscc('310115', 'MA1K4UXW'),
};
const PAY = {
  YUNFU: '3301966P01',
  CAIFUBAO: '4403966P02',
  HUITONG: '3120966P03',
  HUANYU: '1105966P04',
  KUAJING: uscc('440101', 'MA5CY3RT'),
};

const ENTERPRISES: E[] = [
  // platforms (电商平台)
  { code: P.YUNFAN, name: '杭州云帆跨境电子商务有限公司', creditGrade: 'AA', roles: ['EBP'], gen: { telephone: '0571-86001234', orderPrefix: 'YF', flows: 'EI', payers: [PAY.YUNFU, PAY.HUITONG], weight: 30 } },
  { code: P.HAIMAO, name: '深圳海贸通网络科技有限公司', creditGrade: 'AA', roles: ['EBP'], gen: { telephone: '0755-26004567', orderPrefix: 'HM', flows: 'E', payers: [PAY.CAIFUBAO, PAY.KUAJING], weight: 22 } },
  { code: P.HUANQIU, name: '上海环球优选电子商务有限公司', creditGrade: 'A', roles: ['EBP'], gen: { telephone: '021-61002345', orderPrefix: 'HQ', flows: 'EI', payers: [PAY.HUITONG, PAY.HUANYU], weight: 18 } },
  { code: P.YANGCHENG, name: '广州羊城跨境电商平台有限公司', creditGrade: 'A', roles: ['EBP'], gen: { telephone: '020-38005678', orderPrefix: 'GZ', flows: 'E', payers: [PAY.KUAJING, PAY.CAIFUBAO], weight: 14 } },
  { code: P.ZHONGYUAN, name: '郑州中原跨境贸易服务平台有限公司', creditGrade: 'B', roles: ['EBP'], gen: { telephone: '0371-65003456', orderPrefix: 'ZY', flows: 'EI', payers: [PAY.HUANYU, PAY.YUNFU], weight: 8 } },
  { code: P.HAIGOU, name: '上海海购全球网络科技有限公司', creditGrade: 'AA', roles: ['EBP'], gen: { telephone: '021-50806789', orderPrefix: 'HG', flows: 'I', payers: [PAY.HUITONG, PAY.YUNFU, PAY.HUANYU], weight: 30 } },

  // payment institutions (支付企业)
  { code: PAY.YUNFU, name: '杭州云付网络技术有限公司', creditGrade: 'AA', roles: ['PAYER'], gen: { telephone: '0571-87001111', payPrefix: '2026YF' } },
  { code: PAY.CAIFUBAO, name: '深圳财付宝科技有限公司', creditGrade: 'AA', roles: ['PAYER'], gen: { telephone: '0755-86002222', payPrefix: 'CFB' } },
  { code: PAY.HUITONG, name: '上海汇通支付服务有限公司', creditGrade: 'A', roles: ['PAYER'], gen: { telephone: '021-63003333', payPrefix: 'HTZF' } },
  { code: PAY.HUANYU, name: '北京环宇通支付有限公司', creditGrade: 'A', roles: ['PAYER'], gen: { telephone: '010-85004444', payPrefix: 'HYT' } },
  { code: PAY.KUAJING, name: '广州跨境通支付科技有限公司', creditGrade: 'B', roles: ['PAYER'], gen: { telephone: '020-87005555', payPrefix: 'KJT' } },

  // carriers (物流企业)
  { code: '1105966L01', name: '华邮国际速递物流有限公司', creditGrade: 'AA', roles: ['CARRIER'], gen: { telephone: '010-68001183', noFormat: { kind: 'S10', prefix: 'LX' } } },
  { code: '3301966L02', name: '云程国际物流有限公司', creditGrade: 'A', roles: ['CARRIER'], gen: { telephone: '0571-89002468', noFormat: { kind: 'DIGITS', prefix: 'YC', digits: 16 } } },
  { code: '4403966L03', name: '迅联供应链管理(深圳)有限公司', creditGrade: 'A', roles: ['CARRIER'], gen: { telephone: '0755-23003579', noFormat: { kind: 'DIGITS', prefix: 'XL', digits: 12 } } },
  { code: '3120966L04', name: '东方快线国际货运代理有限公司', creditGrade: 'B', roles: ['CARRIER'], gen: { telephone: '021-58004680', noFormat: { kind: 'DIGITS', prefix: 'EFX', digits: 11 } } },
  { code: '4101966L05', name: '丝路班列国际物流有限公司', creditGrade: 'A', roles: ['CARRIER'], gen: { telephone: '0371-68005791', noFormat: { kind: 'DIGITS', prefix: 'SLR', digits: 12 } } },
  { code: '3702966L06', name: '青港国际航运代理有限公司', creditGrade: 'B', roles: ['CARRIER'], gen: { telephone: '0532-82006802', noFormat: { kind: 'DIGITS', prefix: 'QG', digits: 14 } } },

  // declaring agents (报关企业: 6th digit 8)
  { code: '3318968A01', name: '义乌市诚信报关有限公司', creditGrade: 'A', roles: ['AGENT'], gen: { telephone: '0579-85001001' } },
  { code: '3120968A02', name: '上海通关宝报关有限公司', creditGrade: 'AA', roles: ['AGENT'], gen: { telephone: '021-68002002' } },
  { code: '4403968A03', name: '深圳市关通报关服务有限公司', creditGrade: 'B', roles: ['AGENT'], gen: { telephone: '0755-82003003' } },

  // production / sales units only (生产销售单位)
  { code: '3318960W11', name: '义乌市金源塑料制品厂', creditGrade: 'B', roles: ['OWNER'], gen: { telephone: '0579-85201111' } },
  { code: '4419966W22', name: '东莞市精工电子制品有限公司', creditGrade: 'A', roles: ['OWNER'], gen: { telephone: '0769-22302222' } },
  { code: '4401966W33', name: '广州市白云区雅诗化妆品厂', creditGrade: 'A', roles: ['OWNER'], gen: { telephone: '020-86403333' } },
  { code: '4101966W44', name: '郑州市嵩山户外制品有限公司', creditGrade: 'B', roles: ['OWNER'], gen: { telephone: '0371-67504444' } },

  // export sellers (电商企业, consignors)
  { code: '3318960A21', name: '义乌市华鑫饰品有限公司', creditGrade: 'A', roles: ['EBC', 'OWNER'], gen: { telephone: '0579-85511021', flows: 'E', chapters: ['71', '96', '95', '67', '42'], summaryFlag: '1', simplified: true, platforms: [P.YUNFAN, P.HAIMAO, P.ZHONGYUAN], agent: '3318968A01', weight: 10 } },
  { code: '3318966B07', name: '义乌市优品日用百货有限公司', creditGrade: 'B', roles: ['EBC'], gen: { telephone: '0579-85522107', flows: 'E', chapters: ['73', '39', '69', '96', '76', '82'], owner: '3318960W11', summaryFlag: '2', simplified: true, platforms: [P.YUNFAN, P.ZHONGYUAN], agent: '3318968A01', weight: 8 } },
  { code: '3301966K15', name: '杭州丝韵家纺有限公司', creditGrade: 'AA', roles: ['EBC', 'OWNER'], gen: { telephone: '0571-86531015', flows: 'E', chapters: ['50', '62', '61', '94'], summaryFlag: '1', simplified: false, platforms: [P.YUNFAN, P.HUANQIU], weight: 8 } },
  { code: '4403966C33', name: '深圳市智联电子科技有限公司', creditGrade: 'A', roles: ['EBC', 'OWNER'], gen: { telephone: '0755-26541033', flows: 'E', chapters: ['85', '95', '90', '88'], summaryFlag: '1', simplified: false, platforms: [P.HAIMAO, P.YANGCHENG], agent: '4403968A03', weight: 12 } },
  { code: '4403964M02', name: '深圳市极光数码有限公司', creditGrade: 'B', roles: ['EBC'], gen: { telephone: '0755-23552002', flows: 'E', chapters: ['85'], owner: '4419966W22', summaryFlag: '2', simplified: false, platforms: [P.HAIMAO, P.YANGCHENG], agent: '4403968A03', weight: 8 } },
  { code: '4401966D18', name: '广州市美妆源贸易有限公司', creditGrade: 'A', roles: ['EBC'], gen: { telephone: '020-38561018', flows: 'E', chapters: ['33', '96', '67'], owner: '4401966W33', summaryFlag: '2', simplified: false, platforms: [P.YANGCHENG, P.HAIMAO], weight: 7 } },
  { code: '4401966E56', name: '广州市步云鞋业有限公司', creditGrade: 'AA', roles: ['EBC', 'OWNER'], gen: { telephone: '020-86571056', flows: 'E', chapters: ['64', '42'], summaryFlag: '1', simplified: false, platforms: [P.YANGCHENG, P.YUNFAN], weight: 7 } },
  { code: '3120966F09', name: '上海衣尚服饰有限公司', creditGrade: 'A', roles: ['EBC', 'OWNER'], gen: { telephone: '021-64581009', flows: 'E', chapters: ['61', '62'], summaryFlag: '1', simplified: false, platforms: [P.HUANQIU, P.YUNFAN], agent: '3120968A02', weight: 10 } },
  { code: '3302966G44', name: '宁波厨宝家居用品有限公司', creditGrade: 'B', roles: ['EBC', 'OWNER'], gen: { telephone: '0574-87591044', flows: 'E', chapters: ['73', '76', '69', '82', '39'], summaryFlag: '1', simplified: true, platforms: [P.HUANQIU, P.YUNFAN], weight: 6 } },
  { code: '3505966H71', name: '福建安溪茗香茶业有限公司', creditGrade: 'A', roles: ['EBC', 'OWNER'], gen: { telephone: '0595-23601071', flows: 'E', chapters: ['09'], summaryFlag: '1', simplified: false, platforms: [P.YUNFAN, P.HUANQIU], weight: 4 } },
  { code: '4101966J28', name: '郑州中原户外用品有限公司', creditGrade: 'B', roles: ['EBC'], gen: { telephone: '0371-65611028', flows: 'E', chapters: ['95', '87', '94', '64'], owner: '4101966W44', summaryFlag: '2', simplified: false, platforms: [P.ZHONGYUAN], weight: 5 } },
  { code: '3702966K63', name: '青岛海韵家具有限公司', creditGrade: 'A', roles: ['EBC', 'OWNER'], gen: { telephone: '0532-88621063', flows: 'E', chapters: ['94'], summaryFlag: '1', simplified: false, platforms: [P.HUANQIU, P.ZHONGYUAN], weight: 3 } },
  { code: uscc('330782', 'MA2EC8HJ'), name: '义乌市乐玩玩具有限公司', creditGrade: 'AA', roles: ['EBC', 'OWNER'], gen: { telephone: '0579-85631188', flows: 'E', chapters: ['95'], summaryFlag: '1', simplified: false, platforms: [P.YUNFAN, P.HAIMAO], agent: '3318968A01', weight: 6 } },
  // import sellers (境外电商企业, filed through their domestic agent)
  { code: '3122944T01', name: '日本樱花药妆株式会社', creditGrade: 'A', roles: ['EBC'], country: '116', gen: { telephone: '021-62701001', flows: 'I', chapters: ['33', '21', '30', '96'], origin: '116', platforms: [P.HAIGOU, P.YUNFAN, P.HUANQIU], agent: '3120968A02', weight: 10 } },
  { code: '3122944T02', name: '韩国美妍化妆品株式会社', creditGrade: 'A', roles: ['EBC'], country: '133', gen: { telephone: '0532-86702002', flows: 'I', chapters: ['33', '34'], origin: '133', platforms: [P.HAIGOU, P.YUNFAN, P.ZHONGYUAN], agent: '3120968A02', weight: 9 } },
  { code: '3122944T03', name: '澳洲健康源有限公司', creditGrade: 'AA', roles: ['EBC'], country: '601', gen: { telephone: '021-62703003', flows: 'I', chapters: ['19', '21', '04'], origin: '601', platforms: [P.HAIGOU, P.HUANQIU], agent: '3120968A02', weight: 8 } },
  { code: '3122944T04', name: '美国营养优选公司', creditGrade: 'A', roles: ['EBC'], country: '502', gen: { telephone: '021-62704004', flows: 'I', chapters: ['21', '33', '85'], origin: '502', platforms: [P.HAIGOU, P.YUNFAN], agent: '3120968A02', weight: 6 } },
  { code: '3122944T05', name: '德国家居精品有限公司', creditGrade: 'B', roles: ['EBC'], country: '304', gen: { telephone: '021-62705005', flows: 'I', chapters: ['73', '82', '85', '22'], origin: '304', platforms: [P.HAIGOU, P.ZHONGYUAN], agent: '3120968A02', weight: 4 } },
  // used only by the error knobs
  { code: '4403966N90', name: '深圳市速发电子商行有限公司', creditGrade: 'D', roles: ['EBC'], gen: { telephone: '0755-27641090', flows: 'E', chapters: ['85'], owner: '4419966W22', summaryFlag: '2', simplified: false, platforms: [P.HAIMAO], special: 'GRADE_D', weight: 1 } },
  { code: '3318966P12', name: '义乌市鑫隆小商品有限公司', creditGrade: 'D', roles: ['EBC', 'OWNER'], gen: { telephone: '0579-85651012', flows: 'E', chapters: ['96', '95', '71'], summaryFlag: '1', simplified: true, platforms: [P.YUNFAN], special: 'GRADE_D', weight: 1 } },
  { code: '4401966Q37', name: '广州市恒达贸易有限公司', creditGrade: 'B', roles: ['EBC'], onFile: false, gen: { telephone: '020-36661037', flows: 'E', chapters: ['61', '64'], owner: '4401966W33', summaryFlag: '2', simplified: false, platforms: [P.YANGCHENG], special: 'OFF_FILE', weight: 1 } },
  { code: '3120966R58', name: '上海启航国际贸易有限公司', creditGrade: 'B', roles: ['EBC', 'OWNER'], gen: { telephone: '021-54671058', flows: 'E', chapters: ['85', '61'], summaryFlag: '1', simplified: false, platforms: [P.HUANQIU], special: 'WATCHLIST', weight: 1 } },
  { code: '4403966S84', name: '深圳市汇利达科技有限公司', creditGrade: 'A', roles: ['EBC', 'OWNER'], gen: { telephone: '0755-26681084', flows: 'E', chapters: ['85', '95'], summaryFlag: '1', simplified: false, platforms: [P.HAIMAO], special: 'WATCHLIST', weight: 1 } },
];

// ------------------------------------------------------------------------------- commodities
type Ctl = 'NONE' | 'RESTRICTED' | 'PROHIBITED';
/** [gcode, gname, unit1, declared unit, qty1 ('SAME' | 'NET_KG' | legal qty per declared unit), control, exportDuty,
 *  reference CNY per declared unit, min net kg / unit, max gross kg / unit, rebate, VAT, consumption tax, flows, weight, b2b, items] */
type Row = [string, string, string, string, string, Ctl, boolean, number | null, number, number, number | null, number | null, number | null, string, number, boolean, Array<[string, string]>];

const COMMODITIES: Row[] = [
  // 09 tea
  ['0902101000', '绿茶(每件净重≤3千克)', '035', '140', 'NET_KG', 'NONE', false, 120, 0.1, 0.8, 0.09, 0.09, null, 'E', 3, true, [['西湖龙井明前绿茶礼盒', '250克/盒|绿茶|未发酵|无品牌'], ['安吉白茶罐装', '125克/罐|绿茶|未发酵|无品牌']]],
  ['0902301000', '乌龙茶(每件净重≤3千克)', '035', '140', 'NET_KG', 'NONE', false, 150, 0.1, 0.8, 0.09, 0.09, null, 'E', 3, true, [['安溪铁观音浓香型', '250克/盒|乌龙茶|半发酵|无品牌'], ['武夷大红袍', '200克/盒|乌龙茶|半发酵|无品牌']]],
  ['0902309000', '其他红茶(每件净重≤3千克)', '035', '140', 'NET_KG', 'NONE', false, 90, 0.1, 0.8, 0.09, 0.09, null, 'E', 2, true, [['正山小种红茶', '200克/盒|红茶|全发酵|无品牌'], ['祁门红茶袋泡', '100克/盒|红茶|全发酵|无品牌']]],
  // 04/19/21/22 food and drink (import)
  ['1901101000', '供婴幼儿食用的零售包装配方奶粉', '035', '122', 'NET_KG', 'NONE', false, 260, 0.8, 1.3, null, 0.13, null, 'I', 8, false, [['婴儿配方奶粉1段', '800克/罐|牛乳基|0-6月龄'], ['较大婴儿配方奶粉2段', '900克/罐|牛乳基|6-12月龄']]],
  ['0402290000', '其他加糖浓缩乳及奶油(奶粉)', '035', '136', 'NET_KG', 'NONE', false, 140, 0.9, 1.3, null, 0.09, null, 'I', 3, false, [['全脂高钙成人奶粉', '1千克/袋|牛乳|加糖']]],
  ['2106909090', '其他编号未列名的食品', '035', '142', 'NET_KG', 'NONE', false, 220, 0.1, 0.6, null, 0.13, null, 'I', 8, false, [['鱼油软胶囊', '400粒/瓶|深海鱼油|软胶囊'], ['复合维生素片', '120片/瓶|片剂|成人'], ['胶原蛋白饮', '50毫升x10瓶/盒|口服液']]],
  ['2204210000', '小包装鲜葡萄酿造的酒', '095', '142', '0.75', 'NONE', false, 260, 1.1, 1.7, null, 0.13, 0.1, 'I', 2, false, [['西拉干红葡萄酒', '750毫升/瓶|13.5%vol|干型'], ['长相思干白葡萄酒', '750毫升/瓶|12.5%vol|干型']]],
  // 30/33/34 cosmetics and care
  ['3304990099', '其他美容品或化妆品及护肤品', '035', '142', 'NET_KG', 'NONE', false, 180, 0.05, 0.5, 0.13, 0.13, 0.15, 'EI', 10, false, [['保湿精华液', '50毫升/瓶|精华|护肤用|非特殊用途'], ['补水面霜', '50克/瓶|面霜|护肤用|非特殊用途'], ['防晒乳SPF50', '60毫升/瓶|防晒|特殊用途']]],
  ['3303000000', '香水及花露水', '035', '142', 'NET_KG', 'NONE', false, 420, 0.05, 0.5, 0.13, 0.13, 0.15, 'EI', 4, false, [['淡香水', '50毫升/瓶|香水|喷雾型'], ['浓香水', '30毫升/瓶|香水|喷雾型']]],
  ['3304100091', '唇用化妆品', '035', '012', 'NET_KG', 'NONE', false, 160, 0.01, 0.08, 0.13, 0.13, 0.15, 'EI', 5, false, [['丝绒哑光口红', '3.5克/支|唇膏|彩妆'], ['滋润唇釉', '6毫升/支|唇釉|彩妆']]],
  ['3304200091', '眼用化妆品', '035', '140', 'NET_KG', 'NONE', false, 140, 0.01, 0.12, 0.13, 0.13, 0.15, 'EI', 4, false, [['十二色眼影盘', '12克/盒|眼影|彩妆'], ['防水睫毛膏', '8克/支|睫毛膏|彩妆']]],
  ['3305100090', '洗发剂(香波)', '035', '142', 'NET_KG', 'NONE', false, 60, 0.2, 1.2, 0.13, 0.13, null, 'EI', 4, false, [['氨基酸洗发水', '500毫升/瓶|洗发用|无硅油']]],
  ['3401300000', '洁肤用有机表面活性产品', '035', '012', 'NET_KG', 'NONE', false, 90, 0.05, 0.35, 0.13, 0.13, null, 'I', 4, false, [['氨基酸洗面奶', '120克/支|洁面|膏状']]],
  // 39 plastics
  ['3924100000', '塑料制餐具及厨房用具', '035', '007', 'NET_KG', 'NONE', false, 20, 0.05, 0.8, null, 0.13, null, 'E', 5, true, [['硅胶保鲜盒三件套', '聚丙烯|家用|3件'], ['儿童密胺餐盘', '密胺|家用|分格']]],
  // 42 bags
  ['4202221000', '以塑料片为面的手提包', '007', '007', 'SAME', 'NONE', false, 90, 0.2, 1.4, 0.13, 0.13, null, 'E', 5, true, [['防水托特包', '面料:聚氯乙烯|手提包|无品牌'], ['透明果冻包', '面料:聚氯乙烯|手提包|无品牌']]],
  ['4202210090', '皮革面手提包', '007', '007', 'SAME', 'NONE', false, 380, 0.4, 2.0, 0.13, 0.13, null, 'EI', 4, false, [['牛皮单肩包', '面料:牛皮|手提包|无品牌'], ['头层皮手提公文包', '面料:牛皮|手提包|无品牌']]],
  ['4202921000', '以塑料或纺织材料作面的旅行包', '007', '007', 'SAME', 'NONE', false, 120, 0.4, 2.6, 0.13, 0.13, null, 'E', 4, true, [['牛津布登山双肩包', '面料:尼龙|背包|40升'], ['折叠旅行收纳袋', '面料:涤纶|旅行包']]],
  ['4202320000', '以塑料片或纺织材料作面的钱包', '007', '007', 'SAME', 'NONE', false, 40, 0.05, 0.3, 0.13, 0.13, null, 'E', 3, false, [['帆布零钱包', '面料:帆布|钱包|无品牌']]],
  // 49 books
  ['4901990000', '其他书籍、小册子及类似印刷品', '035', '132', 'NET_KG', 'NONE', false, 60, 0.15, 1.6, 0.13, 0.09, null, 'EI', 2, false, [['汉语学习教材', '平装|中英对照|印刷品'], ['儿童绘本', '精装|印刷品']]],
  // 50 silk
  ['5007209000', '其他丝机织物(含丝≥85%)', '030', '030', 'SAME', 'NONE', false, 90, 0.05, 0.3, 0.13, 0.13, null, 'E', 2, true, [['真丝双绉面料', '桑蚕丝100%|机织|幅宽114厘米'], ['真丝素绉缎面料', '桑蚕丝100%|机织|幅宽140厘米']]],
  ['5002001100', '桑蚕厂丝', '035', '035', 'SAME', 'NONE', true, 450, 1.0, 1.2, null, 0.13, null, 'E', 1, true, [['桑蚕厂丝20/22D', '桑蚕丝|未加捻|5A级']]],
  // 61/62 apparel
  ['6109100021', '棉制针织T恤衫', '011', '011', 'SAME', 'NONE', false, 45, 0.12, 0.5, 0.13, 0.13, null, 'E', 10, true, [['男士纯棉短袖T恤', '针织|棉100%|男式|无品牌'], ['女士印花圆领T恤', '针织|棉100%|女式|无品牌']]],
  ['6110200090', '棉制针织套头衫', '011', '011', 'SAME', 'NONE', false, 85, 0.25, 1.0, 0.13, 0.13, null, 'E', 6, true, [['连帽卫衣', '针织|棉80%涤纶20%|男式|无品牌'], ['圆领毛圈卫衣', '针织|棉100%|女式|无品牌']]],
  ['6104430000', '合成纤维制针织女式连衣裙', '011', '011', 'SAME', 'NONE', false, 110, 0.15, 0.8, 0.13, 0.13, null, 'E', 7, false, [['碎花雪纺连衣裙', '针织|涤纶100%|女式|无品牌'], ['修身针织长裙', '针织|涤纶95%氨纶5%|女式|无品牌']]],
  ['6204430000', '合成纤维制女式连衣裙', '011', '011', 'SAME', 'NONE', false, 130, 0.15, 0.9, 0.13, 0.13, null, 'E', 5, false, [['通勤衬衫裙', '机织|涤纶100%|女式|无品牌']]],
  ['6203429090', '棉制男式长裤', '015', '015', 'SAME', 'NONE', false, 120, 0.3, 1.1, 0.13, 0.13, null, 'E', 5, true, [['男士直筒牛仔裤', '机织|棉98%氨纶2%|男式|无品牌'], ['休闲工装裤', '机织|棉100%|男式|无品牌']]],
  ['6201400000', '化学纤维制男式防寒短上衣', '011', '011', 'SAME', 'NONE', false, 260, 0.5, 2.4, 0.13, 0.13, null, 'E', 3, false, [['男士轻薄羽绒服', '机织|面料锦纶100%|男式|无品牌']]],
  ['6115950000', '棉制针织袜', '025', '025', 'SAME', 'NONE', false, 12, 0.02, 0.15, 0.13, 0.13, null, 'E', 5, true, [['纯棉中筒袜', '针织|棉80%锦纶20%|无品牌']]],
  ['6116930000', '合成纤维制针织手套', '025', '025', 'SAME', 'NONE', false, 25, 0.03, 0.25, 0.13, 0.13, null, 'E', 2, true, [['触屏保暖手套', '针织|腈纶100%|无品牌']]],
  ['6214100090', '丝制围巾', '015', '015', 'SAME', 'NONE', false, 150, 0.03, 0.3, 0.13, 0.13, null, 'EI', 4, false, [['真丝印花方巾', '桑蚕丝100%|90x90厘米|无品牌'], ['真丝长围巾', '桑蚕丝100%|180x55厘米|无品牌']]],
  ['6212100090', '胸罩', '011', '011', 'SAME', 'NONE', false, 60, 0.04, 0.3, 0.13, 0.13, null, 'E', 3, false, [['无钢圈内衣', '针织|锦纶80%氨纶20%|女式']]],
  // 64 footwear
  ['6403990090', '皮革面其他鞋靴', '025', '025', 'SAME', 'NONE', false, 260, 0.5, 2.2, 0.13, 0.13, null, 'E', 4, true, [['男士商务皮鞋', '鞋面:牛皮|鞋底:橡胶|男式'], ['女士切尔西短靴', '鞋面:牛皮|鞋底:橡胶|女式']]],
  ['6404110000', '纺织材料面运动鞋', '025', '025', 'SAME', 'NONE', false, 180, 0.4, 1.8, 0.13, 0.13, null, 'EI', 6, true, [['飞织跑步鞋', '鞋面:纺织材料|鞋底:橡胶|运动用'], ['网面篮球鞋', '鞋面:纺织材料|鞋底:橡胶|运动用']]],
  ['6402999000', '橡胶或塑料面其他鞋', '025', '025', 'SAME', 'NONE', false, 60, 0.2, 1.3, 0.13, 0.13, null, 'E', 4, true, [['EVA洞洞鞋', '鞋面:塑料|鞋底:塑料|无品牌'], ['防滑拖鞋', '鞋面:橡胶|鞋底:橡胶|无品牌']]],
  ['6405200090', '纺织材料面其他鞋', '025', '025', 'SAME', 'NONE', false, 50, 0.2, 1.1, 0.13, 0.13, null, 'E', 3, true, [['老北京布鞋', '鞋面:棉布|鞋底:橡胶|无品牌']]],
  // 67 wigs
  ['6704110000', '合成纺织材料制整头假发', '035', '011', 'NET_KG', 'NONE', false, 180, 0.1, 0.7, 0.13, 0.13, null, 'E', 4, false, [['女士长卷发假发套', '高温丝|整头|无品牌']]],
  // 69 ceramics
  ['6911101900', '其他瓷餐具', '035', '006', 'NET_KG', 'NONE', false, 160, 1.0, 6.5, 0.13, 0.13, null, 'E', 3, true, [['骨瓷餐具套装', '瓷质|家用|16件套'], ['青花瓷碗碟套装', '瓷质|家用|10件套']]],
  ['6912001000', '陶餐具', '035', '007', 'NET_KG', 'NONE', false, 30, 0.2, 1.6, 0.09, 0.13, null, 'E', 2, true, [['粗陶马克杯', '陶质|家用|350毫升']]],
  // 71 imitation jewellery
  ['7117190000', '其他贱金属制仿首饰', '035', '007', 'NET_KG', 'NONE', false, 25, 0.005, 0.12, null, 0.13, null, 'E', 6, true, [['合金镀金耳环', '锌合金|镀金|仿首饰'], ['不锈钢项链', '不锈钢|仿首饰']]],
  // 73/76/82 kitchenware
  ['7323930000', '不锈钢制厨房及家用器具', '035', '007', 'NET_KG', 'NONE', false, 70, 0.1, 2.2, 0.13, 0.13, null, 'EI', 5, true, [['不锈钢保温杯', '304不锈钢|500毫升|家用'], ['不锈钢炒锅', '304不锈钢|32厘米|家用']]],
  ['7323990000', '其他钢铁制厨房器具', '035', '007', 'NET_KG', 'NONE', false, 45, 0.2, 2.6, 0, 0.13, null, 'E', 3, true, [['铸铁煎锅', '铸铁|24厘米|家用']]],
  ['7615109000', '其他铝制厨房用具', '035', '007', 'NET_KG', 'NONE', false, 55, 0.2, 2.2, 0.13, 0.13, null, 'E', 3, true, [['铝合金不粘锅', '铝合金|28厘米|不粘涂层']]],
  ['8215200000', '其他成套餐具(刀叉匙)', '035', '006', 'NET_KG', 'NONE', false, 90, 0.3, 2.2, 0.13, 0.13, null, 'EI', 3, true, [['不锈钢西餐刀叉套装', '不锈钢|24件套|家用']]],
  // 85 electrical and electronic
  ['8517130000', '智能手机', '001', '001', 'SAME', 'NONE', false, 1800, 0.15, 0.7, 0.13, 0.13, null, 'E', 4, false, [['5G智能手机', '8GB+256GB|6.7英寸|双卡'], ['4G智能手机', '4GB+128GB|6.5英寸|双卡']]],
  ['8518300000', '耳机及耳塞机', '007', '007', 'SAME', 'NONE', false, 120, 0.02, 0.45, 0.13, 0.13, null, 'EI', 8, true, [['真无线蓝牙耳机', '蓝牙5.3|入耳式|带充电仓'], ['头戴式降噪耳机', '蓝牙|头戴式|主动降噪']]],
  ['8504403090', '其他稳压电源(充电器)', '007', '007', 'SAME', 'NONE', false, 45, 0.03, 0.35, 0.13, 0.13, null, 'E', 6, true, [['氮化镓快充充电器', '65W|输入100-240V|USB-C']]],
  ['8507600090', '其他锂离子蓄电池', '007', '007', 'SAME', 'NONE', false, 90, 0.1, 0.65, 0.13, 0.13, null, 'E', 4, true, [['移动电源10000mAh', '锂离子|37Wh|带USB-C']]],
  ['8471301000', '平板电脑', '001', '001', 'SAME', 'NONE', false, 1500, 0.3, 1.3, 0.13, 0.13, null, 'E', 2, false, [['10英寸平板电脑', '8GB+128GB|WLAN|安卓系统']]],
  ['8516310000', '电吹风', '001', '001', 'SAME', 'NONE', false, 160, 0.3, 1.3, 0.13, 0.13, null, 'EI', 3, true, [['负离子电吹风', '1800W|220V|家用']]],
  ['8516710000', '咖啡机', '001', '001', 'SAME', 'NONE', false, 450, 1.5, 6.5, 0.13, 0.13, null, 'EI', 2, false, [['胶囊咖啡机', '1450W|19bar|家用']]],
  ['8509409000', '其他食品研磨机及搅拌器', '001', '001', 'SAME', 'NONE', false, 260, 1.0, 5.5, 0.13, 0.13, null, 'E', 2, true, [['多功能破壁料理机', '1200W|1.75升|家用']]],
  ['8525891900', '其他数字照相机', '001', '001', 'SAME', 'NONE', false, 1200, 0.2, 1.3, 0.13, 0.13, null, 'E', 1, false, [['运动相机', '4K|防抖|防水']]],
  ['8523521000', '闪速存储卡', '007', '007', 'SAME', 'NONE', false, 60, 0.002, 0.08, 0.13, 0.13, null, 'E', 3, true, [['TF存储卡128GB', '闪存|128GB|U3']]],
  ['8544422100', '额定电压≤80V有接头电缆(数据线)', '035', '015', 'NET_KG', 'NONE', false, 20, 0.02, 0.15, 0.13, 0.13, null, 'E', 5, true, [['USB-C编织数据线', '1米|铜芯|≤80V']]],
  ['8513101000', '手电筒', '007', '007', 'SAME', 'NONE', false, 40, 0.08, 0.65, 0.13, 0.13, null, 'E', 2, true, [['强光充电手电筒', 'LED|锂电池|铝合金']]],
  ['8543709990', '其他具有独立功能的电气设备', '001', '001', 'SAME', 'NONE', false, 150, 0.1, 2.2, 0.13, 0.13, null, 'EI', 3, true, [['电动牙刷', '声波|充电式|家用'], ['家用美容仪', '射频|充电式|家用']]],
  ['8521909090', '其他视频录制或重放设备', '001', '001', 'SAME', 'NONE', false, 220, 0.1, 0.9, 0.13, 0.13, null, 'E', 2, true, [['行车记录仪', '1080P|前后双录|车载']]],
  // 87/88/90 vehicles, drones, optics
  ['8712003000', '山地自行车', '003', '003', 'SAME', 'NONE', false, 1200, 10, 20, 0.13, 0.13, null, 'E', 1, true, [['27.5英寸山地自行车', '铝合金车架|21速|成人']]],
  ['8806229000', '其他最大起飞重量250克至7千克的无人驾驶航空器', '005', '005', 'SAME', 'RESTRICTED', false, 3500, 0.3, 3.5, null, 0.13, null, 'E', 2, false, [['航拍无人机', '四旋翼|最大起飞重量0.9千克|带摄像头']]],
  ['9013200000', '激光器(激光二极管除外)', '001', '001', 'SAME', 'RESTRICTED', false, 800, 0.1, 2.2, null, 0.13, null, 'E', 1, false, [['激光雕刻模组', '10W|蓝光|455纳米']]],
  ['3604100000', '烟花、爆竹', '035', '140', 'NET_KG', 'RESTRICTED', false, 60, 0.3, 2.2, null, 0.13, null, 'E', 1, false, [['手持冷焰火', '10支/盒|C级']]],
  ['9004100000', '太阳镜', '019', '019', 'SAME', 'NONE', false, 90, 0.02, 0.3, 0.13, 0.13, null, 'EI', 4, true, [['偏光太阳镜', '镜片:尼龙|UV400|无品牌']]],
  // 91 watches
  ['9102110000', '机械指示式电子手表', '008', '008', 'SAME', 'NONE', false, 260, 0.03, 0.35, 0.13, 0.13, null, 'E', 3, false, [['石英腕表', '不锈钢表壳|机械指示|防水30米']]],
  // 94 furniture and lighting
  ['9403609990', '其他木家具', '011', '011', 'SAME', 'NONE', false, 600, 5, 45, 0.13, 0.13, null, 'E', 2, true, [['实木床头柜', '橡胶木|两抽|免安装'], ['折叠实木餐桌', '松木|1.2米|可折叠']]],
  ['9401610000', '装软垫的木框架坐具', '007', '007', 'SAME', 'NONE', false, 900, 6, 38, 0.13, 0.13, null, 'E', 1, true, [['布艺单人沙发', '实木框架|布艺|海绵填充']]],
  ['9405110000', 'LED光源用枝形吊灯及天花板或墙壁照明装置', '007', '007', 'SAME', 'NONE', false, 250, 0.5, 6.5, 0.13, 0.13, null, 'E', 2, true, [['LED吸顶灯', '36W|铝材|LED光源']]],
  ['9404909000', '其他寝具(枕头等)', '035', '007', 'NET_KG', 'NONE', false, 80, 0.3, 2.2, 0.13, 0.13, null, 'E', 3, true, [['记忆棉枕头', '聚氨酯|60x40厘米|家用']]],
  // 95 toys and sports
  ['9503002100', '动物玩偶', '007', '007', 'SAME', 'NONE', false, 60, 0.1, 0.9, 0.13, 0.13, null, 'E', 6, true, [['毛绒熊玩偶', '填充|毛绒|40厘米'], ['恐龙毛绒公仔', '填充|毛绒|30厘米']]],
  ['9503006000', '智力玩具', '007', '007', 'SAME', 'NONE', false, 35, 0.1, 1.1, 0.13, 0.13, null, 'E', 5, true, [['千片拼图', '纸质|1000片|成人'], ['魔方三阶', '塑料|三阶|竞速']]],
  ['9503008300', '带动力装置的玩具及模型', '007', '007', 'SAME', 'NONE', false, 120, 0.2, 1.6, 0.13, 0.13, null, 'E', 5, true, [['遥控越野车', '1:16|充电式|塑料'], ['电动积木机器人', '可编程|充电式|塑料']]],
  ['9504501100', '视频游戏控制器及设备', '001', '001', 'SAME', 'NONE', false, 1600, 0.5, 3.2, 0.13, 0.13, null, 'E', 1, false, [['掌上游戏机', '7英寸|64GB|带手柄']]],
  ['9506911900', '其他一般体育活动用品及设备', '035', '011', 'NET_KG', 'NONE', false, 150, 0.5, 8.5, 0.13, 0.13, null, 'E', 3, true, [['瑜伽垫', 'TPE|6毫米|183x61厘米'], ['可调节哑铃', '铸铁|5千克|家用']]],
  // 96 misc manufactured
  ['9603210000', '牙刷', '012', '012', 'SAME', 'NONE', false, 10, 0.01, 0.06, 0.13, 0.13, null, 'EI', 3, true, [['软毛竹炭牙刷', '塑料柄|软毛|成人']]],
  ['9615110000', '硬质橡胶或塑料制梳子', '035', '007', 'NET_KG', 'NONE', false, 15, 0.01, 0.12, 0.13, 0.13, null, 'E', 2, true, [['气垫按摩梳', '塑料|气垫|无品牌']]],
  // negative list, prohibited: only by the `prohibited` error knob
  ['1302110000', '鸦片液汁及浸膏', '035', '035', 'SAME', 'PROHIBITED', false, null, 0.01, 1.2, null, null, null, '', 0, false, [['植物浸膏', '液态|未注明']]],
  ['9601100000', '已加工的象牙及其制品', '035', '007', 'NET_KG', 'PROHIBITED', false, 2000, 0.02, 1.2, null, null, null, '', 0, false, [['牙雕摆件', '手工雕刻|工艺品']]],
];

// ------------------------------------------------------------------------------- exchange rates
/** CNY per unit, base month 2026-10; later months drift by the factors below (illustrative values). */
const RATE_BASE: Record<string, number> = {
  '110': 0.91325, '116': 0.04768, '122': 1.62140, '132': 5.48210, '133': 0.00521, '136': 0.21350, '300': 7.74320,
  '303': 9.21740, '344': 0.08815, '501': 5.14380, '502': 7.10260, '601': 4.65930, '609': 4.21670,
};
const PERIODS: Array<[string, number]> = [
  ['202609', 1.0032], ['202610', 1.0], ['202611', 0.9978], ['202612', 1.0041], ['202701', 1.0017], ['202702', 0.9989],
];

// ------------------------------------------------------------------------------- rule set
const RULE_SET = {
  version: '2026.11-1',
  publishedAt: '20261101000000',
  samplingRates: { AA: '0.005', A: '0.01', B: '0.03', D: '1.0', UNKNOWN: '0.05' },
  rules: [
    { ruleId: 'R01-NEG-PROHIBITED', kind: 'NEGATIVE_LIST_PROHIBITED', enabled: true, outcome: 'REJECT', score: 100, params: {} },
    { ruleId: 'R02-NEG-RESTRICTED', kind: 'NEGATIVE_LIST_RESTRICTED', enabled: true, outcome: 'INSPECT', score: 40, params: {} },
    { ruleId: 'R03-ENT-NOT-ON-FILE', kind: 'ENTERPRISE_NOT_ON_FILE', enabled: true, outcome: 'REJECT', score: 100, params: {} },
    { ruleId: 'R04-ENT-GRADE-D', kind: 'ENTERPRISE_GRADE_D', enabled: true, outcome: 'INSPECT', score: 50, params: {} },
    { ruleId: 'R05-WATCHLIST', kind: 'WATCHLIST', enabled: true, outcome: 'INSPECT', score: 60, params: {} },
    { ruleId: 'R06-PRICE-ANOMALY', kind: 'PRICE_ANOMALY', enabled: true, outcome: 'INSPECT', score: 30, params: { ratio: '0.3' } },
    { ruleId: 'R07-WEIGHT-ANOMALY', kind: 'WEIGHT_ANOMALY', enabled: true, outcome: 'INSPECT', score: 30, params: { tolerance: '0.2' } },
    { ruleId: 'R08-IMPORT-SINGLE', kind: 'IMPORT_SINGLE_LIMIT', enabled: true, outcome: 'REJECT', score: 100, params: { limit: '5000' } },
    { ruleId: 'R09-IMPORT-ANNUAL', kind: 'IMPORT_ANNUAL_LIMIT', enabled: true, outcome: 'REJECT', score: 100, params: { limit: '26000' } },
    { ruleId: 'R10-SAMPLING', kind: 'SAMPLING', enabled: true, outcome: 'INSPECT', score: 10, params: {} },
  ],
};

// ------------------------------------------------------------------------------- build
export function buildReferenceFiles(): Record<string, unknown> {
  const enterprises = ENTERPRISES.map((e) => ({
    code: e.code,
    name: e.name,
    creditGrade: e.creditGrade,
    roles: e.roles,
    onFile: e.onFile ?? true,
    country: e.country ?? null,
    gen: e.gen,
  }));
  const commodities = COMMODITIES.map((r) => ({
    gcode: r[0],
    gname: r[1],
    unit1: r[2],
    control: r[5],
    exportDuty: r[6],
    referencePrice: opt5(r[7]),
    minKgPerUnit: d5(r[8]),
    maxKgPerUnit: d5(r[9]),
    rebateRate: opt5(r[10]),
    vatRate: opt5(r[11]),
    consumptionTaxRate: opt5(r[12]),
    gen: { unit: r[3], qty1: r[4], flows: r[13], weight: r[14], b2b: r[15], items: r[16] },
  }));
  const exchangeRates = PERIODS.flatMap(([period, f]) =>
    Object.entries(RATE_BASE).map(([currency, base]) => ({ currency, period, cnyPerUnit: d5(base * f) })),
  );
  const watchlist = [
    { id: 'WL-E-0001', subjectType: 'ENTERPRISE', subject: '3120966R58', action: 'HOLD', reason: '多次申报不实,待核查', active: true },
    { id: 'WL-E-0002', subjectType: 'ENTERPRISE', subject: '4403966S84', action: 'INSPECT', reason: '涉嫌低报价格', active: true },
    ...WATCHLISTED_PEOPLE.map((p, i) => ({
      id: p.entryId,
      subjectType: p.subjectType,
      subject: sha256Hex(p.subjectType === 'BUYER' ? p.idNumber : p.name),
      action: i % 2 === 0 ? 'INSPECT' : 'HOLD',
      reason: p.subjectType === 'BUYER' ? (i % 2 === 0 ? '疑似超额代购' : '身份信息疑似冒用') : i % 2 === 0 ? '收件信息异常' : '多次退运',
      active: true,
    })),
    { id: 'WL-B-0099', subjectType: 'BUYER', subject: sha256Hex('659001196001010000'), action: 'HOLD', reason: '已解除', active: false },
  ];
  return {
    'enterprises.json': enterprises,
    'commodities.json': commodities,
    'exchange-rates.json': exchangeRates,
    'watchlist.json': watchlist,
    'rule-set.json': RULE_SET,
  };
}

/** The text of one reference file as committed (2-space JSON, one trailing newline). */
export const referenceFileText = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';
