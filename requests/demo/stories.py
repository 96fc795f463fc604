"""What residents ask for and how it ends: the words of the demo's requests and their timelines.

``PLANS`` lists, for each cell, the course each of its requests takes (a ``Course`` below) and how many.
Together they put requests in every status, by every route: a volunteer's offer, a referral to an
organisation, an assignment by hand, an escalation, a signpost, a cancellation, and a weekly shop that
recurs.

Plans follow each cell's policy. Where the cell offers automatically, the matcher offers a request as
soon as it is logged, so only a request with a safeguarding concern waits there, for a coordinator;
requests wait, triaged, for a coordinator's choice only in the cell that matches by hand.
"""

from enum import StrEnum

from requests.demo.organisations import CALDERDALE_CELL, HALIFAX_CELL, UPPER_VALLEY_CELL


class Course(StrEnum):
    NEW = "new"  # logged, waiting for triage
    NEW_SAFEGUARDING = "new_safeguarding"  # logged with a safeguarding concern: never offered automatically
    TRIAGED = "triaged"  # triaged, waiting for a coordinator to choose a match
    TRIAGED_SAFEGUARDING = "triaged_safeguarding"  # the safeguarding lead triaged it; a coordinator assigns
    TRIAGED_AFTER_DECLINE = "triaged_after_decline"  # offered, declined, waiting again
    TRIAGED_AFTER_EXPIRY = "triaged_after_expiry"  # offered, no answer in time, waiting again
    OFFERED = "offered"  # a volunteer has an offer to answer
    REFERRED = "referred"  # an organisation has a referral to answer
    ASSIGNED = "assigned"  # a volunteer accepted
    ASSIGNED_BY_HAND = "assigned_by_hand"  # a coordinator assigned a checked volunteer by hand
    ASSIGNED_REFERRAL = "assigned_referral"  # an organisation accepted a referral
    ESCALATED = "escalated"  # declined and expired until the cell's limit, escalated one stage
    ESCALATED_SAFETY_NET = "escalated_safety_net"  # beyond the VCS: with the statutory safety net
    COMPLETED = "completed"  # done by a volunteer
    COMPLETED_AFTER_DECLINE = "completed_after_decline"  # first volunteer declined, the second did it
    COMPLETED_REFERRAL = "completed_referral"  # done by an organisation
    SIGNPOSTED = "signposted"  # pointed to an arm's-length group or another service
    CANCELLED = "cancelled"  # no longer needed
    WEEKLY_SHOPPING = "weekly_shopping"  # three weeks of a recurring shop by the same volunteer


_OFFERING_AUTOMATICALLY = {
    Course.NEW_SAFEGUARDING: 2,
    Course.TRIAGED_SAFEGUARDING: 1,
    Course.OFFERED: 4,
    Course.REFERRED: 2,
    Course.ASSIGNED: 5,
    Course.ASSIGNED_BY_HAND: 1,
    Course.ASSIGNED_REFERRAL: 2,
    Course.ESCALATED: 2,
    Course.ESCALATED_SAFETY_NET: 1,
    Course.COMPLETED: 7,
    Course.COMPLETED_AFTER_DECLINE: 2,
    Course.COMPLETED_REFERRAL: 2,
    Course.SIGNPOSTED: 2,
    Course.CANCELLED: 2,
    Course.WEEKLY_SHOPPING: 1,
}

_MATCHING_BY_HAND = {
    Course.NEW: 3,
    Course.NEW_SAFEGUARDING: 1,
    Course.TRIAGED: 4,
    Course.TRIAGED_SAFEGUARDING: 1,
    Course.TRIAGED_AFTER_DECLINE: 1,
    Course.TRIAGED_AFTER_EXPIRY: 1,
    Course.OFFERED: 3,
    Course.REFERRED: 2,
    Course.ASSIGNED: 3,
    Course.ASSIGNED_BY_HAND: 3,
    Course.ASSIGNED_REFERRAL: 2,
    Course.ESCALATED: 2,
    Course.ESCALATED_SAFETY_NET: 1,
    Course.COMPLETED: 6,
    Course.COMPLETED_AFTER_DECLINE: 1,
    Course.COMPLETED_REFERRAL: 2,
    Course.SIGNPOSTED: 3,
    Course.CANCELLED: 2,
    Course.WEEKLY_SHOPPING: 1,
}

PLANS: dict[str, dict[Course, int]] = {
    CALDERDALE_CELL: _OFFERING_AUTOMATICALLY,
    HALIFAX_CELL: {**_OFFERING_AUTOMATICALLY, Course.ESCALATED: 3, Course.COMPLETED: 9},
    UPPER_VALLEY_CELL: _MATCHING_BY_HAND,
}

# Needs a volunteer can meet (levels 1 and 2), with what the caller said.
VOLUNTEER_NEEDS: dict[str, tuple[str, ...]] = {
    "shopping": (
        "Weekly shop: bread, milk, eggs, tinned soup, teabags and cat food. Will pay by bank transfer.",
        "Needs a few essentials from the Co-op: milk, bread, bananas and paracetamol. Self-isolating.",
        "Big shop for the week; list will be read out on the phone. Cannot carry bags since her fall.",
        "Halal meat and chapati flour from the shops on Gibbet Street, plus nappies for the baby.",
        "Shopping for a man just out of hospital: ready meals, juice, and batteries for the hearing aid.",
    ),
    "food-parcel": (
        "No food in the house until Universal Credit is paid on the 28th. Two children at home.",
        "Lost job last week, gas on emergency credit, needs a food parcel to tide them over.",
        "Vegetarian food parcel for a couple shielding; no pork products please.",
        "Food parcel and baby milk; the referral form from the health visitor is attached.",
    ),
    "prescription-collection": (
        "Repeat prescription ready at Boots; she cannot walk that far in the snow.",
        "Collect insulin and needles from the pharmacy before it shuts at 6.",
        "Inhalers waiting at the pharmacy; he is coughing and should not go out.",
        "Monthly blister pack from the chemist; the usual neighbour is on holiday.",
    ),
    "befriending": (
        "Lives alone since his wife died; would like a weekly phone call for a chat.",
        "Housebound, has not spoken to anyone for a week; daughter asked for a regular check-in call.",
        "Would like someone to call on Tuesdays and Fridays; speaks Urdu at home.",
        "Lonely since moving into sheltered housing; enjoys talking about football and gardening.",
    ),
    "digital-inclusion": (
        "Has a tablet from her grandson but cannot get onto the GP app to book appointments.",
        "Needs help setting up a video call to see family in Poland.",
        "No internet at home; wants to order shopping online and apply for a bus pass.",
    ),
    "transport": (
        "Lift to Calderdale Royal Hospital for an eye clinic appointment on Thursday at 10:40.",
        "Needs a lift to the food hub and back; lives at the top of a steep hill.",
        "Lift to Huddersfield Royal Infirmary for a scan; cannot manage two buses.",
    ),
    "dog-walking": (
        "Walk a friendly Labrador twice a day while she recovers from a knee operation.",
        "Self-isolating with COVID; the terrier needs a walk each afternoon.",
    ),
    "other": (
        "Bins need taking out on Monday nights; cannot manage the steps.",
        "Post a parcel back to a catalogue company; she cannot get to the post office.",
        "Put the heating on a timer: the new boiler controls are confusing him.",
    ),
}

# Needs for an organisation (level 3 and above), by the category that decides the referral.
REFERRAL_NEEDS: dict[str, tuple[str, ...]] = {
    "mental-health-support": (
        "Very low since redundancy; says he is not sleeping and feels hopeless. Agreed to talk to someone.",
        "Panic attacks when leaving the house; GP suggested talking therapy but the wait is long.",
        "Struggling after a bereavement; would like support in Polish if possible.",
    ),
    "money-advice": (
        "Arrears on council tax and the electricity meter; bailiff letter arrived today.",
        "Benefits stopped after a missed appointment; needs help to challenge the decision.",
        "Self-employed, no work since the floods; needs help applying for a hardship grant.",
    ),
    "food-parcel": (
        "Family of five, no income this month; referred for a food bank parcel and a fuel voucher.",
        "Needs a food parcel delivered: no bus fare to get to the food bank.",
    ),
}

# Beyond the VCS: for the statutory safety net.
SAFETY_NET_NEEDS = (
    "Carer taken into hospital tonight; her husband with dementia is alone and cannot manage his medication.",
    "Neighbour reports she has not been seen for days and the curtains stay closed; not answering the door.",
    "Discharged from hospital without a care package; cannot get up the stairs to the bathroom.",
)

# Requests that raise a safeguarding concern, as the call handler wrote them.
SAFEGUARDING_NEEDS = (
    "Asked for shopping. Mentioned a new 'friend' who has been taking her bank card to the cash machine.",
    "Befriending call requested by a neighbour, who heard shouting and thinks the son may be hitting him.",
    "Food parcel. The caller sounded frightened and ended the call when someone else came into the room.",
)

OUTCOMES = {
    "shopping": (
        "Shopping delivered; receipt left and money transferred.",
        "Delivered all but the bread, which had sold out. Resident happy.",
        "Shop done and put away in the kitchen; she asked for the same next week.",
    ),
    "food-parcel": (
        "Parcel delivered, plus toiletries from the hub's donations.",
        "Food parcel delivered; signposted to the money advice service for the debts.",
    ),
    "prescription-collection": (
        "Prescription collected and handed over in person.",
        "Medicines delivered; the pharmacist asked him to book a review.",
    ),
    "befriending": (
        "First call went well: forty minutes about the Shay and his allotment. Weekly calls agreed.",
        "Call made; she seemed brighter and would like to join the Tuesday lunch club.",
    ),
    "digital-inclusion": ("Tablet set up; she booked her own GP appointment while I was there.",),
    "transport": ("Taken to the appointment and home again; waited in the car.",),
    "dog-walking": ("Walked twice a day for the week; the dog is fine and the owner is back on her feet.",),
    "other": ("Done; the resident will call again if it happens next week.",),
    "mental-health-support": (
        "Assessed by our practitioner; six sessions booked and a crisis plan agreed.",
        "Support started; he is also attending the men's group on Wednesdays.",
    ),
    "money-advice": (
        "Arrears payment plan agreed with the council; hardship fund award of £150.",
        "Mandatory reconsideration submitted; benefits restored with back-payment.",
    ),
}

DECLINE_REASONS = (
    "At work all week, sorry.",
    "Too far for me on foot.",
    "Away visiting family this week.",
    "Car is in the garage.",
    "",
)

CANCEL_REASONS = (
    "Her daughter is now shopping for her.",
    "Resident went into hospital this morning.",
    "Resolved itself: the pharmacy delivered after all.",
    "Duplicate of a request logged by the GP surgery.",
)

SIGNPOST_NOTES = (
    "Signposted to {group}, which helps on her street; gave her their phone number.",
    "Referred the resident to {group} (arm's length): they know the family already.",
    "Signposted to the council's household support fund; not something the cell does.",
    "Given NHS 111 and the Samaritans' number; he did not want anything further from us.",
)

NOTES = (
    "Rang back to confirm the list; she also needs a lightbulb for the landing.",
    "Key safe code given to the coordinator by phone; not written here.",
    "Resident prefers a call before anyone visits; do not just knock.",
    "Spoke to her son, who will be there on Thursday.",
)

TRIAGE_NOTES = (
    "Checked the open requests: nothing else for this resident.",
    "Spoke to the resident; happy for a volunteer to come.",
    "Level kept; no extra needs found.",
    "",
)

ESCALATION_NOTES = (
    "Two volunteers declined and the next offer expired; nobody nearby with a car this week.",
    "No checked volunteer near enough; asking the hub to find someone.",
)

# A need beyond the VCS climbs the escalation chain one stage at a time: hub, LIO, safety net.
SAFETY_NET_STEPS = (
    "The hub has nobody who can do personal care.",
    "LIO on-call agrees: this needs the council tonight.",
    "Out of our depth: needs a professional. Duty social worker told by phone.",
)

HAND_ASSIGN_REASONS = (
    "Safeguarding concern: assigning a volunteer with an enhanced DBS whom the resident already knows.",
    "Coordinator's choice: she speaks the resident's language and lives two streets away.",
    "The group asked for this one; their volunteer already helps the family.",
)
